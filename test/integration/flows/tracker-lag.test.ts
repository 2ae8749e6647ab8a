import '../../helpers/integration-timeout';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { stringify } from 'yaml';
import type { HubConfig } from '../../../core/config';
import { metadataPrefixOf } from '../../../core/event-metadata';
import { flowKeys } from '../../../core/names/redis-keys';
import { topics } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import type { FlowAlertKind } from '../../../flows';
import { createFlowReader, createFlowStore, type FlowReader } from '../../../flows/engine';
import { loadConfigText } from '../../../hub';
import { eventually, randomName, testEndpoints, testKafka, caughtUp } from '../../helpers/stack';
import { wireEvent, type WireEvent } from '../router/events';
import {
  Collector,
  TEST_SITES,
  createConfigTopics,
  produce,
  startRouter,
  type RunningRouter,
} from '../router/harness';

/**
 * A restarted (or lagging) flow tracker judges deadlines only as of what it has read: a step that
 * is on the topic, on time, but was published while no tracker ran and is read after its due time
 * raises no STEP_LATE (flows/component.ts readUpTo, flows/engine/scanner.ts). The tracker runs in
 * a child process (test/helpers/flow-tracker-process.ts, as `crossdock start` builds it) and is
 * killed with SIGKILL; the step comes while it is down, and the next one starts after the due time.
 */
jest.setTimeout(300_000);

const WITHIN_S = 5;
const EXPIRE_S = 30;
const ROOT = path.resolve(__dirname, '../../..');
const CHILD = path.join(ROOT, 'test', 'helpers', 'flow-tracker-process.ts');
const registryUrl = testEndpoints().registryUrl;

const doc = {
  hub: {
    topicPrefix: randomName('t').replace(/-/g, ''),
    // One partition per site: the steps of an instance (one site) are read in the order published.
    topics: { partitions: 1, replicationFactor: 1 },
    router: {
      groupId: randomName('router'),
      duplicateWindowSeconds: 3600,
      maxWaitTimeInMs: 50,
      retry: { initialMs: 100, maxMs: 1000 },
    },
  },
  sites: TEST_SITES,
  subscribers: [{ id: 'erp', sink: { kind: 'kafka' } }],
  routes: [{ name: 'orders', match: { eventTypes: ['Order*', 'Shipment*', 'Invoice*'] }, to: ['erp'] }],
  rules: {},
  flows: [
    {
      name: 'o2c',
      key: { field: 'orderId' },
      expireAfter: `${EXPIRE_S}s`,
      steps: [
        { eventType: 'OrderReleased' },
        { eventType: 'ShipmentConfirmed', within: `${WITHIN_S}s` },
        { eventType: 'InvoiceGenerated', within: `${WITHIN_S}s` },
      ],
    },
    {
      name: 'held',
      key: { field: 'orderId' },
      expireAfter: `${EXPIRE_S}s`,
      steps: [{ eventType: 'OrderHoldPlaced' }, { eventType: 'OrderHoldReleased', within: `${WITHIN_S}s` }],
    },
  ],
};
const config: HubConfig = loadConfigText(stringify(doc));
const names = topics(config);
const redisPrefix = `${randomName('fr')}:`;
const keys = flowKeys(redisPrefix);
const FLOW_STEPS: Record<string, string[]> = Object.fromEntries(
  config.flows.map((f) => [f.name, f.steps.map((s) => s.eventType)]),
);

type Shape = 'complete' | 'late' | 'missing' | 'split';

/** One flow instance the test plans: its events, what it must end as, the alerts it must raise. */
interface Planned {
  flow: string;
  key: string;
  siteId: string;
  shape: Shape;
  /** Event id of each step that is published ('' for the missing one). */
  eventIds: string[];
  alerts: Array<{ kind: FlowAlertKind; stepIndex: number }>;
  complete: boolean;
}

const planned: Planned[] = [];
const sites = ['us-chi', 'us-dal'];
let serial = 0;

/**
 * The events of one instance and its expectations. `now` is when it is published; the step times:
 * - complete: all steps within a second, due 30 s later (long after the tracker has them);
 * - late: step 1 arrives 34 s after step 0 (over its 30 s), then step 2 at once: STEP_LATE on
 *   step 1, complete; it expires 25 s after it is published, long after it completed;
 * - missing: the last step never comes; it falls due `dueInS` after publishing (STEP_LATE), the
 *   instance expires 30 s later (FLOW_INCOMPLETE on that step);
 * - split: step 0 now, the rest later through `rest()` (within its deadline): complete.
 */
async function instance(
  flow: string,
  shape: Shape,
  now: number,
  dueInS = 4,
): Promise<{ first: WireEvent[]; rest: (at: number) => Promise<WireEvent[]> }> {
  const steps = FLOW_STEPS[flow]!;
  const n = steps.length;
  const key = `${flow}-${shape}-${++serial}-${crypto.randomBytes(3).toString('hex')}`;
  const siteId = sites[serial % sites.length]!;
  const event = (i: number, at: number) =>
    wireEvent(registryUrl, {
      eventType: steps[i]!,
      siteId,
      occurredAt: new Date(at),
      patch: (e) => (e.orderId = key),
    });
  // Step i's occurredAt for each shape (ms); undefined: not published.
  let times: Array<number | undefined>;
  const W = WITHIN_S * 1000;
  if (shape === 'complete') times = steps.map((_s, i) => now - 1000 + i * 200);
  else if (shape === 'late') {
    const b = now - (W + 5000);
    times = steps.map((_s, i) => (i === 0 ? b : b + W + 4000 + i * 200));
  } else if (shape === 'missing') {
    // The step before the missing one at t; the missing one due t + W = now + dueInS.
    const t = now + dueInS * 1000 - W;
    times = steps.map((_s, i) => (i < n - 1 ? t - (n - 2 - i) * 200 : undefined));
  } else times = steps.map((_s, i) => (i === 0 ? now - 500 : undefined));
  const first: WireEvent[] = [];
  for (let i = 0; i < n; i++) if (times[i] !== undefined) first.push(await event(i, times[i]!));
  const p: Planned = {
    flow,
    key,
    siteId,
    shape,
    eventIds: steps.map((_s, i) => (times[i] === undefined ? '' : idOf(first[i]!))),
    alerts:
      shape === 'late'
        ? [{ kind: 'STEP_LATE', stepIndex: 1 }]
        : shape === 'missing'
          ? [
              { kind: 'STEP_LATE', stepIndex: n - 1 },
              { kind: 'FLOW_INCOMPLETE', stepIndex: n - 1 },
            ]
          : [],
    complete: shape !== 'missing',
  };
  planned.push(p);
  return {
    first,
    rest: async (at) => {
      const out: WireEvent[] = [];
      for (let i = 1; i < n; i++) {
        const w = await event(i, at - 500 + i * 100);
        p.eventIds[i] = idOf(w);
        out.push(w);
      }
      return out;
    },
  };
}

const idOf = (w: WireEvent) => w.event.metadata.eventId as string;

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let router: RunningRouter | undefined;
let redis: Redis;
let alerts: Collector;
let reader: FlowReader;
let dir: string;
let tracker: ChildProcess | undefined;
const children: ChildProcess[] = [];
/** What each kill found pending (alerts claimed, not known to be published). */
const pendingAtKill: string[][] = [];

function startTracker(n: number): Promise<ChildProcess> {
  const out = fs.openSync(path.join(dir, `tracker-${n}.log`), 'a');
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', CHILD], {
    cwd: ROOT,
    env: {
      ...process.env,
      CD_FLOW_TRACKER: JSON.stringify({
        configFile: path.join(dir, 'hub.yaml'),
        redisPrefix,
        sessionTimeoutMs: 6000,
        logLevel: 'info',
      }),
    },
    stdio: ['ignore', 'pipe', out],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('TRACKER-READY')) resolve(child);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`tracker ${n} exited ${code ?? signal}: see ${path.join(dir, `tracker-${n}.log`)}`)),
    );
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

/** Kills the tracker with SIGKILL the moment `when` holds (polled as fast as Redis answers). */
async function killWhen(when: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const child = tracker!;
  const deadline = Date.now() + timeoutMs;
  while (!(await when())) {
    await new Promise((r) => setTimeout(r, 1));
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    if (child.exitCode !== null) throw new Error('the tracker exited by itself');
  }
  child.kill('SIGKILL');
  await exited(child);
  expect(child.signalCode).toBe('SIGKILL');
  pendingAtKill.push(Object.keys(await redis.hgetall(keys.pendingAlerts)));
  tracker = undefined;
}

async function publish(events: WireEvent[]): Promise<void> {
  const bySite = new Map<string, WireEvent[]>();
  for (const w of events) {
    const s = w.event.metadata.siteId as string;
    bySite.set(s, [...(bySite.get(s) ?? []), w]);
  }
  for (const [s, list] of bySite) await produce(producer, names.ingress(s), list);
}

/** The tracker's group has committed every ingress record there is. */
async function trackerCaughtUp(): Promise<boolean> {
  for (const s of sites) {
    const topic = names.ingress(s);
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: names.flowTrackerGroup, topics: [topic] });
    for (const e of ends) {
      const c = committed!.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
      if (Number(e.high) > Number(e.low) && Number(c) < Number(e.high)) return false;
    }
  }
  return true;
}

const alertIdsOnTopic = () =>
  alerts.get(names.flowAlerts).map((r) => (r.value ? metadataPrefixOf(r.value)?.eventId : undefined) ?? '?');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-tracker-restart-'));
  fs.writeFileSync(path.join(dir, 'hub.yaml'), stringify(doc));
  redis = createRedis({ connection: testEndpoints().redis, name: 'tracker-restart-test' });
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
  await createConfigTopics(kafka, config);
  alerts = new Collector(kafka, [names.flowAlerts]);
  await alerts.start();
  reader = createFlowReader({
    store: createFlowStore({ redis, redisPrefix }),
    flows: () => config.flows,
    sites: () => config.siteById,
  });
  router = await startRouter(config, { redisPrefix });
});

afterAll(async () => {
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await exited(c);
    }
  await router?.stop();
  await alerts?.stop();
  await producer?.disconnect();
  await admin?.disconnect();
  redis?.disconnect();
});

describe('flows: a tracker that reads a step after its due time (real Kafka, registry, Redis)', () => {
  it('a step on the topic, on time, read after its due time by a restarted tracker', async () => {
    tracker = await startTracker(1);
    const now = Date.now();
    const x = await instance('held', 'split', now);
    await publish(x.first);
    await eventually(trackerCaughtUp, 'caught up');
    await eventually(async () => (await redis.zcard(keys.deadlines)) === 1, 'instance');
    await killWhen(async () => true, 'now');
    await publish(await x.rest(Date.now()));
    await new Promise((r) => setTimeout(r, 8000));
    tracker = await startTracker(2);
    await eventually(trackerCaughtUp, 'caught up 2');
    await new Promise((r) => setTimeout(r, 3000));
    await caughtUp(admin, [names.flowAlerts], () => alerts.get(names.flowAlerts).length);
    const got = await reader.getInstance('held', planned[0]!.key);
    expect({ alerts: alertIdsOnTopic(), complete: got.complete, raised: got.alerts }).toEqual({
      alerts: [],
      complete: true,
      raised: [],
    });
    expect(got.steps.map((s) => s.late ?? false)).toEqual([false, false]);
  });
});
