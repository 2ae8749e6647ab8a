/**
 * Redis memory per open flow instance (docs/flows.md, "Capacity"): the engine's store
 * (flows/engine createFlowStore, the script the tracker runs) opens N instances of order-to-cash
 * (3 steps) with step 0 only, then gives each its step 1 (2 of 3 steps, still open). After each
 * stage: MEMORY USAGE summed over the instance keys, over the other keys of the flows tag (the
 * deadlines zset, the applied-event record, the counters, the site hour hashes), and the server's
 * used_memory delta; each divided by N. Own Redis prefix, its keys deleted at the end.
 */
import type { Redis } from '../../core/redis';
import { flowKeys } from '../../core/names/redis-keys';
import { createFlowStore } from '../../flows/engine';
import type { StepInput } from '../../flows/engine/store';
import { flowBenchConfig } from './config';
import { usage } from './redis-usage';

export interface MemoryStage {
  stage: string;
  instances: number;
  /** MEMORY USAGE over the instance hashes, per instance. */
  instanceBytes: number;
  /** MEMORY USAGE over every other key of the flows tag (deadlines, applied, counters, hours), per instance. */
  otherBytes: number;
  /** The two together, per instance. */
  totalBytes: number;
  /** INFO memory used_memory after − before (the whole server: other work moves it), per instance. */
  usedMemoryDelta: number;
  keys: Record<string, number>;
}

export interface MemoryFigures {
  flow: string;
  instances: number;
  stages: MemoryStage[];
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

export async function measureMemory(o: {
  redis: Redis;
  instances: number;
  progress: (s: string) => void;
}): Promise<MemoryFigures> {
  const { redis, instances: n } = o;
  const prefix = `benchflmem${Date.now().toString(36)}:`;
  const config = flowBenchConfig({
    prefix: 'benchflmem',
    sites: ['us-chi'],
    routerGroup: 'x',
    partitionsConsumedConcurrently: 1,
  });
  const flow = (config.flows ?? []).find((f) => f.name === 'order-to-cash');
  if (!flow) throw new Error('examples/hub.yaml has no order-to-cash flow');
  const store = createFlowStore({ redis, redisPrefix: prefix });
  const base = flowKeys(prefix).deadlines.replace(/:deadlines$/, '');
  const now = Date.now();
  const stages: MemoryStage[] = [];
  const before = await usedMemory(redis);
  try {
    for (const stepIndex of [0, 1]) {
      for (let i = 0; i < n; i += 500) {
        const inputs: StepInput[] = [];
        for (let j = i; j < Math.min(n, i + 500); j++)
          inputs.push({
            flow,
            stepIndex,
            key: `us-chi-MEM-${String(j).padStart(8, '0')}`,
            siteId: 'us-chi',
            siteGroups: [],
            eventId: `00000000-0000-4000-a${String(stepIndex).padStart(3, '0')}-${String(j).padStart(12, '0')}`,
            occurredAt: now + stepIndex * 60_000,
            receivedAt: now + stepIndex * 60_000,
            now: now + stepIndex * 60_000,
          });
        const res = await store.steps(inputs);
        const bad = res.filter((r) => r.kind !== 'recorded').length;
        if (bad) throw new Error(`${bad} of ${inputs.length} steps were not recorded`);
      }
      const keys = await usage(redis, prefix, base);
      const instanceBytes = keys.instance ?? 0;
      const all = Object.values(keys).reduce((s, v) => s + v, 0);
      const stage: MemoryStage = {
        stage: stepIndex === 0 ? 'step 0 only (1 of 3)' : 'steps 0 and 1 (2 of 3)',
        instances: n,
        instanceBytes: Math.round(instanceBytes / n),
        otherBytes: Math.round((all - instanceBytes) / n),
        totalBytes: Math.round(all / n),
        usedMemoryDelta: Math.round(((await usedMemory(redis)) - before) / n),
        keys,
      };
      stages.push(stage);
      o.progress(
        `memory: ${stage.stage}: ${stage.totalBytes} B per instance (instance hash ${stage.instanceBytes}, other keys ${stage.otherBytes}; used_memory Δ ${stage.usedMemoryDelta})`,
      );
    }
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  }
  return { flow: flow.name, instances: n, stages };
}
