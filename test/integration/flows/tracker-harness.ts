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
import { createFlowReader, createFlowStore, flowAlertId, type FlowReader } from '../../../flows/engine';
import { loadConfigText } from '../../../hub';
import { randomName, testEndpoints, testKafka } from '../../helpers/stack';
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
 * The harness of the flow tracker's restart tests (tracker-restart.test.ts, tracker-lag.test.ts):
 * a hub configuration with two flows (o2c, held; durations in seconds), the real router, the flow
 * tracker in a child process (test/helpers/flow-tracker-process.ts, as `crossdock start` builds it)
 * that a test starts and kills with SIGKILL, planned flow instances of known shapes with the alerts
 * each must raise, and readers of what the tracker did (Redis, the alerts topic, the committed
 * offsets). Call it at a test file's top level: it registers the file's beforeAll and afterAll.
 */
export interface TrackerHarnessOptions {
  /** Each later step's `within` (s). */
  withinS: number;
  /** Each flow's `expireAfter` (s). */
  expireS: number;
  /** The engine's grace before a claimed alert is looked for on the topic (ms; engine default 60 s). */
  graceMs?: number;
}

export type Shape = 'complete' | 'late' | 'missing' | 'split';

/** One flow instance a test plans: its events, what it must end as, the alerts it must raise. */
export interface Planned {
  flow: string;
  key: string;
  siteId: string;
  shape: Shape;
  /** Event id of each step that is published ('' for the missing one). */
  eventIds: string[];
  alerts: Array<{ kind: FlowAlertKind; stepIndex: number }>;
  complete: boolean;
}

export function trackerHarness(options: TrackerHarnessOptions) {
  const WITHIN_S = options.withinS;
  const EXPIRE_S = options.expireS;
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
          ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
          logLevel: 'info',
        }),
      },
      stdio: ['ignore', 'pipe', out],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('TRACKER-READY')) {
          tracker = child;
          resolve(child);
        }
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
    alerts
      .get(names.flowAlerts)
      .map((r) => (r.value ? metadataPrefixOf(r.value)?.eventId : undefined) ?? '?');

  const expectedAlertIds = () =>
    planned.flatMap((p) => p.alerts.map((a) => flowAlertId(a.kind, p.flow, p.key, a.stepIndex)));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-tracker-'));
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

  return {
    config,
    names,
    redisPrefix,
    keys,
    sites,
    planned,
    /** What each kill found pending (alerts claimed, not known to be published). */
    pendingAtKill,
    instance,
    startTracker,
    killWhen,
    publish,
    trackerCaughtUp,
    alertIdsOnTopic,
    expectedAlertIds,
    get redis() {
      return redis;
    },
    get admin() {
      return admin;
    },
    get alerts() {
      return alerts;
    },
    get reader() {
      return reader;
    },
  };
}
