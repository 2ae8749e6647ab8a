import type { HubSupervisor } from './hub';
import type { ChaosInfra } from './infra';
import { sleep } from './procs';
import type { Receiver } from './receivers';
import type { FaultKind, PlannedFault } from './schedule';

/**
 * Carries out one planned fault and restores what it broke; returns its line in the fault log.
 * Faults run one at a time: each is fully restored (the process answers again) before the next
 * gap starts.
 */
export interface FaultRecord {
  seq: number;
  kind: FaultKind;
  target: string;
  signal?: string;
  delayMs?: number;
  /** Seconds since the soak started. */
  atS: number;
  /** Planned length of the fault. */
  downMs: number;
  /** From the fault to everything restored (restarts included). */
  restoredAfterMs: number;
  error?: string;
}

export interface FaultContext {
  infra: ChaosInfra;
  hub: HubSupervisor;
  receivers: ReadonlyMap<string, Receiver>;
  startedAt: number;
}

export function describeFault(
  f: Pick<PlannedFault, 'kind' | 'target' | 'signal' | 'downMs' | 'delayMs'>,
): string {
  const down = `${(f.downMs / 1000).toFixed(1)} s`;
  switch (f.kind) {
    case 'hub-kill':
      return `kill -9 ${f.target}, restart after ${down}`;
    case 'broker-stop':
      return `broker ${f.signal}, down ${down}`;
    case 'redis-kill':
      return `redis kill -9, down ${down}`;
    case 'registry-outage':
      return `registry ${f.signal}, down ${down}`;
    case 'receiver-slow':
      return `receiver ${f.target} answers after ${((f.delayMs ?? 0) / 1000).toFixed(1)} s for ${down}`;
    case 'receiver-failing':
      return `receiver ${f.target} answers 503 for ${down}`;
  }
}

async function run(f: PlannedFault, ctx: FaultContext): Promise<void> {
  const { infra, hub, receivers } = ctx;
  switch (f.kind) {
    case 'hub-kill':
      await hub.kill(f.target, f.signal ?? 'SIGKILL', f.downMs);
      return;
    case 'broker-stop':
      await infra.stopPart('kafka', f.signal ?? 'SIGTERM');
      await sleep(f.downMs);
      await infra.stackUp();
      return;
    case 'redis-kill':
      await infra.killRedis();
      await sleep(f.downMs);
      await infra.startRedis();
      return;
    case 'registry-outage':
      await infra.stopPart('registry', f.signal ?? 'SIGTERM');
      await sleep(f.downMs);
      await infra.stackUp();
      return;
    case 'receiver-slow':
    case 'receiver-failing': {
      const r = receivers.get(f.target);
      if (!r) throw new Error(`no receiver ${f.target}`);
      r.mode =
        f.kind === 'receiver-slow' ? { kind: 'slow', delayMs: f.delayMs ?? 5000 } : { kind: 'failing' };
      try {
        await sleep(f.downMs);
      } finally {
        r.mode = { kind: 'normal' };
      }
      return;
    }
  }
}

export async function injectFault(f: PlannedFault, ctx: FaultContext): Promise<FaultRecord> {
  const began = Date.now();
  const record: FaultRecord = {
    seq: f.seq,
    kind: f.kind,
    target: f.target,
    ...(f.signal ? { signal: f.signal } : {}),
    ...(f.delayMs !== undefined ? { delayMs: f.delayMs } : {}),
    atS: Math.round((began - ctx.startedAt) / 100) / 10,
    downMs: f.downMs,
    restoredAfterMs: 0,
  };
  try {
    await run(f, ctx);
  } catch (err) {
    record.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  record.restoredAfterMs = Date.now() - began;
  return record;
}
