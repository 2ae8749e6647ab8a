/**
 * Redis memory of one open flow instance (docs/flows.md "Capacity"): creates instances of a
 * 3-step flow (2 steps present, so each has a deadline member) with the engine's own script on the
 * stack's Redis under a prefix of its own, measures MEMORY USAGE of an instance hash and the growth
 * of the deadlines set per member, then deletes its keys.
 * Run: npx tsx bench/flows/instance-memory.ts  (or node -r @swc/register)
 */
import crypto from 'node:crypto';
import { createRedis } from '../../core/redis';
import { currentEndpoints } from '../../stack';
import { createFlowStore, type FlowDefinition } from '../../flows';

const H = 3_600_000;
const FLOW: FlowDefinition = {
  name: 'order-to-cash',
  expireAfterMs: 14 * 24 * H,
  steps: ['OrderReleased', 'ShipmentConfirmed', 'InvoiceGenerated'].map((eventType, index) => ({
    index,
    eventType,
    key: { kind: 'correlationId' as const },
    withinMs: index === 0 ? 0 : 48 * H,
    withinBySiteGroup: {},
    where: [],
  })),
};

async function main(): Promise<void> {
  const redis = createRedis({ connection: currentEndpoints().redis, name: 'bench-flow-memory' });
  const prefix = `bench-${crypto.randomBytes(4).toString('hex')}:`;
  const store = createFlowStore({ redis, redisPrefix: prefix });
  const n = 1000;
  const now = Date.now();
  const steps = [];
  for (let i = 0; i < n; i++)
    for (const s of [0, 1])
      steps.push({
        flow: FLOW,
        stepIndex: s,
        key: crypto.randomUUID(),
        siteId: 'us-dal',
        siteGroups: [],
        eventId: crypto.randomUUID(),
        occurredAt: now + s * H,
        receivedAt: now + s * H,
        now,
      });
  // The same key for both steps of one instance.
  for (let i = 0; i < steps.length; i += 2) steps[i + 1]!.key = steps[i]!.key;
  await store.steps(steps);
  const one = Number(await redis.memory('USAGE', store.keys.instance(FLOW.name, steps[0]!.key)));
  const zset = Number(await redis.memory('USAGE', store.keys.deadlines, 'SAMPLES', 0));
  console.log(
    JSON.stringify({ instances: n, instanceHashBytes: one, deadlinesBytesPerMember: Math.round(zset / n) }),
  );
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  redis.disconnect();
}

void main();
