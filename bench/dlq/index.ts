/**
 * The dead-letter index at 100,000 letters (issue #14, Performance: `dlq list` and `dlq groups`
 * answer in under 1 s). Starts a redis-server of its own (free port, temporary folder, AOF on as
 * the stack runs it), indexes N synthetic dead letters through dlq/store.ts (20 subscribers,
 * 8 sites, 12 codes, 10 event types, 3 schema versions, ~1 KB values, a mix of states), then times
 * each query the CLI and the API make, interleaved with a baseline in the same run: the least
 * Redis work that shows one page (ZREVRANGE of 50 ids and one pipelined HMGET per id). Reports
 * per query the median and max milliseconds over the repetitions, the ratio to the baseline's
 * median, whether the 1 s goal holds, and what one letter costs in Redis memory.
 *
 *   npx tsx bench/dlq/index.ts [--letters N] [--reps R] [--json]      (npm run bench:dlq-index)
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dlqKeys } from '../../core/names/redis-keys';
import { createRedis, type Redis } from '../../core/redis';
import { createDeadLetterStore, type DeadLetterRecord, type DeadLetterStore } from '../../dlq';
import { benchLetter } from '../console/seed';
import { redisAnswers } from '../../stack/probes';
import { freePort, waitUntil } from '../../stack/proc';
import { redisServerArgs } from '../../stack/redis';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) || dflt : dflt;
};
const N = arg('--letters', 100_000);
const REPS = arg('--reps', 7);
const json = args.includes('--json');
const PREFIX = 'bench:';
const GOAL_MS = 1000;

const TYPES = Array.from({ length: 10 }, (_, i) => `com.crossdock.bench.Event${i}`);

/** Letter i: spread as bench/console/seed.ts spreads them, over 10 event types and 6 partitions. */
const letter = (i: number, now: number): DeadLetterRecord =>
  benchLetter(
    i,
    N,
    now,
    'cd',
    (k) => ({ eventType: TYPES[Math.floor(k / 11) % TYPES.length]!, schemaId: 10 + (k % 3) }),
    6,
  );

async function fill(store: DeadLetterStore, now: number): Promise<void> {
  const value = Buffer.concat([Buffer.from([0, 0, 0, 0, 10]), crypto.randomBytes(1000)]);
  const headers = { ce_id: 'x', ce_type: 'com.crossdock.bench.Event0', 'cd-error-code': 'CD_E_BENCH_0' };
  const chunk = 1000;
  for (let i = 0; i < N; i += chunk) {
    await Promise.all(
      Array.from({ length: Math.min(chunk, N - i) }, (_, j) =>
        store.index(letter(i + j, now), { key: Buffer.from(`K-${i + j}`), value, headers }),
      ),
    );
    if (!json) process.stderr.write(`\rindexed ${Math.min(N, i + chunk)}/${N}`);
  }
  if (!json) process.stderr.write('\n');
}

async function ms(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-dlq-index-bench-'));
  const port = await freePort();
  const server = spawn('redis-server', redisServerArgs(port, dir), { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  let redis: Redis | undefined;
  try {
    if (!(await waitUntil(() => redisAnswers(url), 10_000))) throw new Error('redis-server did not start');
    redis = createRedis({ url, name: 'dlq-index-bench' });
    const r = redis;
    const store = createDeadLetterStore({ redis: r, redisPrefix: PREFIX });
    const keys = dlqKeys(PREFIX);
    const now = Date.now();
    const before = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0);
    const fillMs = await ms(() => fill(store, now));
    const after = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0);

    const baseline = async () => {
      const ids = await r.zrevrange(keys.all, 0, 49);
      const p = r.pipeline();
      for (const id of ids) p.hmget(keys.record(id), 'r', 'state', 'owner', 'dueAt', 'notes', 'replays');
      await p.exec();
    };
    const queries: Record<string, () => Promise<unknown>> = {
      'list (no filter, 50)': () => store.list({}, { limit: 50 }),
      'list --subscriber (50)': () => store.list({ subscriber: 'sub-3' }, { limit: 50 }),
      'list --subscriber --code --state (50)': () =>
        store.list({ subscriber: 'sub-3', code: 'CD_E_BENCH_5', state: 'new' }, { limit: 50 }),
      'list --since (last hour, 50)': () => store.list({ since: now - 3_600_000 }, { limit: 50 }),
      'list page 1000 (offset 50,000)': () => store.list({}, { limit: 50, cursor: '50000' }),
      groups: () => store.groups(),
      'queue (50)': () => store.queue({ limit: 50, now }),
      summary: () => store.summary(now),
    };
    // Warm-up: one of each.
    await baseline();
    for (const q of Object.values(queries)) await q();
    const times: Record<string, number[]> = { baseline: [] };
    for (const name of Object.keys(queries)) times[name] = [];
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, q] of Object.entries(queries)) {
        times.baseline!.push(await ms(baseline));
        times[name]!.push(await ms(q));
      }
    }
    const base = median(times.baseline!);
    const rows = Object.keys(queries).map((name) => {
      const t = times[name]!;
      return {
        query: name,
        medianMs: Number(median(t).toFixed(1)),
        maxMs: Number(Math.max(...t).toFixed(1)),
        vsBaseline: Number((median(t) / base).toFixed(1)),
        goalMet: Math.max(...t) < GOAL_MS,
      };
    });
    const result = {
      letters: N,
      reps: REPS,
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}`,
      redis: /redis_version:(\S+)/.exec(await r.info('server'))?.[1],
      fillSeconds: Number((fillMs / 1000).toFixed(1)),
      bytesPerLetter: Math.round((after - before) / N),
      baselineMedianMs: Number(base.toFixed(2)),
      rows,
    };
    if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      process.stdout.write(
        `dead-letter index, ${N} letters (indexed in ${result.fillSeconds} s, ${result.bytesPerLetter} bytes each in Redis ${result.redis})\n` +
          `baseline (ZREVRANGE 50 + HMGET each): median ${result.baselineMedianMs} ms\n\n` +
          `| query | median ms | max ms | × baseline | < ${GOAL_MS} ms |\n|---|---|---|---|---|\n` +
          rows
            .map(
              (x) =>
                `| ${x.query} | ${x.medianMs} | ${x.maxMs} | ${x.vsBaseline} | ${x.goalMet ? 'yes' : 'NO'} |`,
            )
            .join('\n') +
          '\n',
      );
    }
    process.exitCode = rows.every((x) => x.goalMet) ? 0 : 1;
  } finally {
    redis?.disconnect();
    server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
