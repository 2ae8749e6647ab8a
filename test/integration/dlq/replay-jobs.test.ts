import '../../helpers/integration-timeout';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { REPLAY_HEADERS } from '../../../core/dead-letters';
import type { DeadLetterRecord, ReplayJob } from '../../../dlq';
import { loadCatalog, publishCatalog, type CatalogEntry } from '../../../schemas';
import { eventually, testEndpoints } from '../../helpers/stack';
import { header, readTopic, type Received } from '../delivery/helpers';
import { wireEvent, type WireEvent } from '../router/events';
import { batchSize } from '../../../dlq/replay/runner';
import { okCounts, startReplayHub, type ReplayHub } from './replay-harness';

/**
 * Replay jobs under an operator's hand and under crashes (issue #14 item 2), with the runner in
 * processes of its own (dlq/replay/component.ts as `crossdock start` runs it; fixtures/
 * replay-runner-child.ts), killed with SIGKILL:
 * - the crash window: a runner killed after it sent an item and before it recorded it; the next
 *   runner sends that item again, and the router's duplicate mark (a router dead letter) or the
 *   subscriber's idempotency record (a delivery dead letter) keeps its effect single;
 * - pause (nothing is sent after it returns), resume, kill -9 mid-replay (another process takes
 *   the job over from its cursor once the lease expires), cancel (what is left is open again) and a
 *   new job over what is left: every event delivered once, none lost.
 */
jest.setTimeout(300_000);

const CHILD = path.join(__dirname, 'fixtures', 'replay-runner-child.ts');
const ROOT = path.resolve(__dirname, '../../..');
const RATE = 10;

let hub: ReplayHub;
let broken = true;
const ok = { erp: new Set<number>(), wms: new Set<number>() };
const children: ChildProcess[] = [];
const v1: WireEvent[] = [];
const v2: WireEvent[] = [];
const idOf = (w: WireEvent) => w.event.metadata.eventId as string;

/** A runner process; resolves once it polls. `sent` resolves with the line of a crash-on id. */
async function runner(crashOn: string[] = []): Promise<{ child: ChildProcess; sent: Promise<string> }> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', CHILD], {
    cwd: ROOT,
    env: {
      ...process.env,
      CD_TEST_HUB_YAML: hub.yaml,
      CD_TEST_ENDPOINTS: JSON.stringify(testEndpoints()),
      CD_TEST_CRASH_ON: crashOn.join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  let onSent: (line: string) => void = () => undefined;
  const sent = new Promise<string>((resolve, reject) => {
    onSent = resolve;
    setTimeout(
      () => reject(new Error(`no "sent" line from the runner within 60 s: ${out}${err}`)),
      60_000,
    ).unref();
  });
  sent.catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
      const line = /^sent .*$/m.exec(out);
      if (line) onSent(line[0]);
    });
    child.once('exit', (code) => reject(new Error(`runner child exited ${code}: ${err}`)));
  });
  return { child, sent };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

function erp(req: Received): { status: number } {
  if (broken) return { status: 400 };
  ok.erp.add(req.n);
  return { status: 200 };
}

/** The shipped catalog without OrderReleased v2 (published later, as a `schemas push` would). */
function withoutV2(): CatalogEntry[] {
  return loadCatalog().entries.map((e) =>
    e.eventType === 'OrderReleased' ? { ...e, versions: e.versions.filter((v) => v.version !== 2) } : e,
  );
}

const erpCount = (w: WireEvent) => okCounts(hub.receivers.erp!, ok.erp).get(idOf(w)) ?? 0;
let erpLetters: DeadLetterRecord[];
let routerLetters: DeadLetterRecord[];

beforeAll(async () => {
  hub = await startReplayHub({
    subscribers: [
      { id: 'erp', behave: erp },
      {
        id: 'wms',
        behave: (req) => {
          ok.wms.add(req.n);
          return { status: 200 };
        },
      },
    ],
    routes: [
      { name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['erp'] },
      { name: 'holds', match: { eventTypes: ['OrderHoldPlaced'] }, to: ['wms'] },
    ],
    deadLetters: { replay: { ratePerSecond: RATE, maxReplays: 3, maxSelection: 1000 } },
    catalog: withoutV2(),
    runner: false,
  });
  const url = testEndpoints().registryUrl;
  for (let i = 0; i < 2; i++) v2.push(await wireEvent(url, { eventType: 'OrderReleased', version: 2 }));
  for (let i = 0; i < 42; i++) v1.push(await wireEvent(url, { eventType: 'OrderReleased', version: 1 }));
  await hub.produce(hub.t.ingress('us-chi'), [...v2, ...v1]);
  routerLetters = await hub.letters({ code: 'CD_E_UNKNOWN_SCHEMA_VERSION' }, 2);
  erpLetters = await hub.letters({ subscriber: 'erp' }, 42);
  // The fix: v2 is published, erp answers again.
  await publishCatalog({
    kafka: hub.kafka,
    topic: hub.t.catalog,
    entries: loadCatalog().entries,
    replicationFactor: hub.config.hub.topics.replicationFactor,
  });
  await eventually(
    () => hub.follower.current().find((e) => e.eventType === 'OrderReleased')!.versions.length === 2,
    'the catalog with v2 followed',
  );
  broken = false;
});

afterAll(async () => {
  for (const c of children) await kill9(c);
  await hub?.stop();
});

const letterOf = (w: WireEvent) => [...erpLetters, ...routerLetters].find((l) => l.eventId === idOf(w))!;
const ofLetter = (id: string) => (list: KafkaMessage[]) =>
  list.filter((m) => header(m, REPLAY_HEADERS.of) === id);

describe('a runner killed between a send and its record', () => {
  it('a router dead letter is sent again; the router’s duplicate mark keeps it to one copy per subscriber', async () => {
    const r1 = letterOf(v2[0]!);
    const a = await runner([r1.id]);
    const job = await hub.service.start({ ids: [r1.id, letterOf(v2[1]!).id] }, { by: 'ana' });
    const line = await a.sent;
    expect(line).toMatch(new RegExp(`^sent ${job.id} [01] ${r1.id}$`));
    await kill9(a.child);
    // Sent, not recorded: the job's cursor is still at its batch.
    const cursor = Number(line.split(' ')[2]);
    expect(await hub.service.get(job.id)).toMatchObject({ state: 'running', done: cursor });
    expect((await hub.store.get(r1.id))!.state).toBe('replaying');

    const b = await runner();
    expect(await hub.job(job.id)).toMatchObject({ total: 2, sent: 2, skipped: 0, refused: 0 });
    // Sent twice to the ingress topic, routed once: erp took each v2 event exactly once.
    const ingress = await readTopic(
      hub.kafka,
      hub.t.ingress('us-chi'),
      (l) => ofLetter(r1.id)(l).length >= 2,
      'the two sends of the first router dead letter',
    );
    expect(ofLetter(r1.id)(ingress).map((m) => header(m, REPLAY_HEADERS.id))).toEqual([job.id, job.id]);
    await eventually(() => v2.every((w) => erpCount(w) >= 1), 'erp to take the two v2 events');
    // The router read the second send and dropped it as a duplicate.
    await eventually(
      async () => (await hub.metric('crossdock_router_duplicates_total')) >= 1,
      'the router to drop the second send',
    );
    const copies = await readTopic(
      hub.kafka,
      hub.t.deliver('erp'),
      (l) => ofLetter(r1.id)(l).length >= 1,
      'the copy',
    );
    expect(ofLetter(r1.id)(copies)).toHaveLength(1);
    expect(v2.map(erpCount)).toEqual([1, 1]);
    await kill9(b.child);
  });

  it('a delivery dead letter is sent again; the subscriber’s idempotency record keeps it to one delivery', async () => {
    const e1 = letterOf(v1[0]!);
    const b = await runner([e1.id]);
    const job = await hub.service.start({ ids: [e1.id, letterOf(v1[1]!).id] }, { by: 'ana' });
    await b.sent;
    await eventually(() => erpCount(v1[0]!) === 1, 'the first send delivered');
    await kill9(b.child);
    const c = await runner();
    expect(await hub.job(job.id)).toMatchObject({ total: 2, sent: 2 });
    const onTopic = await readTopic(
      hub.kafka,
      hub.t.deliver('erp'),
      (l) => ofLetter(e1.id)(l).length >= 2,
      'both sends',
    );
    expect(ofLetter(e1.id)(onTopic)).toHaveLength(2);
    await eventually(() => erpCount(v1[1]!) === 1, 'the second letter delivered');
    // The connector read the second send and skipped it by its idempotency record.
    await eventually(
      async () => (await hub.metric('crossdock_delivery_idempotent_skips_total', { subscriber: 'erp' })) >= 1,
      'the connector to skip the second send',
    );
    expect([erpCount(v1[0]!), erpCount(v1[1]!)]).toEqual([1, 1]);
    expect((await hub.store.get(e1.id))!).toMatchObject({ state: 'replayed', replays: [job.id] });
    await kill9(c.child);
  });
});

describe('pause, resume, kill -9, cancel, and a new job over what is left', () => {
  let j1: ReplayJob;

  it('runs the rest of the letters through all of it: every event delivered once, none lost', async () => {
    const rest = v1.slice(2);
    const c = await runner();
    j1 = await hub.service.start({ filter: { subscriber: 'erp' } }, { by: 'ana' });
    expect(j1.total).toBe(40);

    // Pause: once it returns, nothing more is sent until resume.
    await eventually(async () => (await hub.service.get(j1.id))!.done >= 6, 'six items handled');
    const paused = await hub.service.pause(j1.id, 'ana');
    expect(paused.state).toBe('paused');
    const sentAtPause = hub.receivers.erp!.requests.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await hub.service.get(j1.id))!.done).toBe(paused.done);
    expect(hub.receivers.erp!.requests.length).toBe(sentAtPause);
    await expect(hub.service.pause(j1.id, 'ana')).rejects.toThrow(
      expect.objectContaining({ code: 'CD_E_DLQ_JOB_STATE_INVALID' }),
    );
    expect((await hub.service.resume(j1.id, 'ana')).state).toBe('running');

    // kill -9 of the process running it, mid-replay: another process takes the job over.
    await eventually(async () => (await hub.service.get(j1.id))!.done >= 14, 'fourteen items handled');
    await kill9(c.child);
    const atKill = (await hub.service.get(j1.id))!.done;
    const d = await runner();
    await eventually(async () => (await hub.service.get(j1.id))!.done >= atKill + 8, 'the job going on');

    // Cancel: what is not handled yet is open again.
    const cancelled = await hub.service.cancel(j1.id, 'ana');
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.done).toBeLessThan(40);
    const after = (await hub.service.get(j1.id))!;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await hub.service.get(j1.id))!.done).toBe(after.done);
    const open = await hub.store.ids({ subscriber: 'erp', state: 'new' }, 100);
    expect(open).toHaveLength(40 - after.done);
    expect(await hub.store.ids({ subscriber: 'erp', state: 'replaying' }, 100)).toEqual([]);

    // A new job over what is left.
    const j2 = await hub.service.start({ filter: { subscriber: 'erp' } }, { by: 'ana' });
    expect(j2.total).toBe(open.length);
    const done2 = await hub.job(j2.id);
    expect(done2).toMatchObject({ total: open.length, refused: 0 });
    expect(done2.sent + done2.skipped).toBe(open.length);
    // The rate is honoured (the bucket starts full: two batches).
    expect(done2.updatedAt - done2.createdAt).toBeGreaterThanOrEqual(
      (1000 * (done2.sent - 2 * batchSize(RATE))) / RATE,
    );

    await eventually(() => rest.every((w) => erpCount(w) >= 1), 'every event delivered to erp');
    expect(rest.filter((w) => erpCount(w) !== 1).map(idOf)).toEqual([]);
    expect(await hub.store.ids({ subscriber: 'erp', state: 'new' }, 100)).toEqual([]);
    expect(await hub.store.ids({ subscriber: 'erp', state: 'replaying' }, 100)).toEqual([]);
    // wms, which routes no OrderReleased, got nothing.
    expect(hub.receivers.wms!.requests).toEqual([]);
    await kill9(d.child);
  });
});
