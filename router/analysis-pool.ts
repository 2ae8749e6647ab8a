import type { RedisConnection, RegistryConnection } from '../core/connection';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HubConfig } from '../core/config';
import { CrossdockError } from '../core/errors';
import type { Catalog, CatalogEntry } from '../schemas';
import type { Analyzer, RecordAnalysis } from './analysis';
import { packBatch } from './analysis-wire';
import type { CatalogMessage, WireError, WorkerSetup } from './analysis-worker';
import type { RouterLog } from './log-events';
import { VALIDATED_HEADERS } from './validate';

/**
 * createWorkerAnalyzer(): the Analyzer contract (router/analysis.ts) on worker threads. The main
 * thread keeps kafkajs and the transactions; each batch's bytes are packed
 * (router/analysis-wire.ts), transferred to a worker, decoded, validated, hashed, routed and
 * checked for duplicates there (each worker has its own Redis connection), and the verdicts
 * come back. Batches go to the worker with the fewest in flight.
 *
 * Failure: a worker that exits or errors fails its pending batches with the retriable
 * CD_E_ROUTER_WORKER_FAILED (the router retries them; nothing is dead-lettered) and is replaced
 * on the next batch. A worker that cannot compile the configuration fails start().
 */

export interface WorkerAnalyzerOptions {
  config: HubConfig;
  registry: RegistryConnection;
  redis: RedisConnection;
  /** Prefix of every Redis key (core/names/redis-keys.ts `resolveRedisPrefix`). */
  redisPrefix: string;
  /** Prefix of the workers' Redis connection names. @defaultValue 'crossdock-router' */
  name?: string;
  threads: number;
  /**
   * The event catalog's entries, copied to each worker.
   * @defaultValue each worker loads schemas/ (loadCatalog())
   */
  catalog?: Pick<Catalog, 'entries'>;
  log: RouterLog;
  /** Whether any route tests headers (then every header travels; else only VALIDATED_HEADERS). */
  allHeaders: boolean;
  /** Instrumentation (tests): called with each worker started. */
  onWorker?: (worker: Worker) => void;
}

export interface WorkerAnalyzer extends Analyzer {
  /** Starts the threads; rejects when a worker cannot set up (bad catalog, rules). */
  start(): Promise<void>;
  /**
   * Replaces the catalog in every worker (and in workers started later): batches analysed after
   * this call use it (a worker handles its messages in order).
   */
  updateCatalog(entries: readonly CatalogEntry[]): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, { resolve: (a: RecordAnalysis[]) => void; reject: (e: unknown) => void }>;
  dead: boolean;
}

function fromWire(e: WireError): Error {
  return e.code
    ? new CrossdockError(e.code, e.message, {
        retriable: e.retriable === true,
        ...(e.details ? { details: e.details } : {}),
      })
    : new Error(e.message);
}

/**
 * The worker runs TypeScript through tsx (registered inside the worker, so this works under the
 * CLI, under jest, and from compiled JavaScript alike).
 */
const WORKER_BOOT = `require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'analysis-worker'))});`;

export function createWorkerAnalyzer(options: WorkerAnalyzerOptions): WorkerAnalyzer {
  const threads = Math.max(1, Math.floor(options.threads));
  const slots: Array<Slot | undefined> = new Array(threads).fill(undefined);
  let nextId = 1;
  let closed = false;
  let catalogEntries: readonly CatalogEntry[] | undefined = options.catalog?.entries;

  function spawn(i: number): Slot {
    const setup: WorkerSetup = {
      config: options.config,
      registry: options.registry,
      redis: options.redis,
      redisPrefix: options.redisPrefix,
      name: `${options.name ?? 'crossdock-router'}-analysis-${i}`,
      // Only the entries: a Catalog's lookup functions cannot cross to a thread.
      ...(catalogEntries ? { catalogEntries: [...catalogEntries] } : {}),
    };
    const worker = new Worker(WORKER_BOOT, { eval: true, workerData: setup, name: `router-analysis-${i}` });
    const slot: Slot = { worker, ready: Promise.resolve(), pending: new Map(), dead: false };
    const fail = (why: string, cause?: unknown) => {
      if (slot.dead) return;
      slot.dead = true;
      if (slots[i] === slot) slots[i] = undefined;
      const err = new CrossdockError('CD_E_ROUTER_WORKER_FAILED', `analysis worker ${i} ${why}`, {
        retriable: true,
        cause,
      });
      if (!closed && slot.pending.size)
        options.log.emit('router.worker_failed', { worker: i, why, error: err.message });
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
      return err;
    };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (msg: { kind?: string; error?: WireError }) => {
        if (msg.kind === 'ready') return resolve();
        reject(msg.error ? fromWire(msg.error) : new Error('analysis worker did not start'));
        fail('could not start');
        void worker.terminate();
      });
      worker.once('error', (err) => reject(fail(`failed: ${err.message}`, err)));
      worker.once('exit', (code) => reject(fail(`exited with code ${code}`)));
    });
    // A worker that never becomes ready is reported by start() or by the batch waiting on it.
    slot.ready.catch(() => undefined);
    worker.on('message', (msg: { id?: number; analyses?: RecordAnalysis[]; error?: WireError }) => {
      if (msg.id === undefined) return;
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      if (msg.error) p.reject(fromWire(msg.error));
      else p.resolve(msg.analyses!);
    });
    // Not unref()'d: while the router starts, the worker may be all that keeps the process
    // alive. close() (the router's stop) ends it.
    options.onWorker?.(worker);
    return slot;
  }

  function pick(): Slot {
    let best: Slot | undefined;
    for (let i = 0; i < threads; i++) {
      const s = slots[i] ?? (slots[i] = spawn(i));
      if (!best || s.pending.size < best.pending.size) best = s;
    }
    return best!;
  }

  return {
    async start() {
      for (let i = 0; i < threads; i++) slots[i] ??= spawn(i);
      await Promise.all(slots.map((s) => s!.ready));
    },
    updateCatalog(entries) {
      catalogEntries = entries;
      const msg: CatalogMessage = { kind: 'catalog', entries };
      for (const s of slots) if (s && !s.dead) s.worker.postMessage(msg);
    },
    async analyze(siteId, records) {
      if (closed)
        throw new CrossdockError('CD_E_ROUTER_WORKER_FAILED', 'the analyzer is closed', { retriable: true });
      if (records.length === 0) return [];
      const slot = pick();
      await slot.ready;
      const batch = packBatch(records, options.allHeaders, VALIDATED_HEADERS);
      const id = nextId++;
      return new Promise<RecordAnalysis[]>((resolve, reject) => {
        if (slot.dead)
          return reject(
            new CrossdockError('CD_E_ROUTER_WORKER_FAILED', 'analysis worker exited', { retriable: true }),
          );
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, siteId, batch }, [
          batch.data.buffer as ArrayBuffer,
          batch.records.buffer as ArrayBuffer,
          batch.headers.buffer as ArrayBuffer,
        ]);
      });
    },
    async close() {
      closed = true;
      await Promise.all(
        slots.map(async (s, i) => {
          slots[i] = undefined;
          if (s && !s.dead) {
            s.dead = true;
            for (const p of s.pending.values())
              p.reject(
                new CrossdockError('CD_E_ROUTER_WORKER_FAILED', 'the analyzer closed', { retriable: true }),
              );
            await s.worker.terminate();
          }
        }),
      );
    },
  };
}
