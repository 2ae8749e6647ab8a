import type { KafkaMessage } from 'kafkajs';
import { silentLogger } from '../../../core/logger';
import type { Disposition } from '../../../connectors/sinks/engine';
import { DeliveryPipeline, type BatchPayload } from '../../../connectors/sinks/pipeline';
import type { RetryEntry } from '../../../retry/state';

interface Deferred {
  promise: Promise<Disposition>;
  resolve(d: Disposition): void;
  reject(e: Error): void;
}
function deferred(): Deferred {
  let resolve!: (d: Disposition) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Disposition>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

/** A pipeline over a fake engine (each attempt waits for the test) and a fake consumer. */
function harness(options: { maxBufferedEvents?: number } = {}) {
  const attempts = new Map<string, Deferred>();
  const order: string[] = [];
  const commits: Array<[number, string]> = [];
  const seeks: Array<[number, string]> = [];
  const backOffs: number[] = [];
  let blockedCalls = 0;
  let running = true;
  const pipeline = new DeliveryPipeline({
    entryOf: (topic, partition, m) =>
      ({
        eventId: `p${partition}-${m.offset}`,
        topic,
        partition,
        offset: m.offset,
        key: m.key,
        value: m.value ?? Buffer.alloc(0),
        headers: {},
        attempts: 0,
      }) as RetryEntry,
    engine: {
      fromTopic: (entry) => {
        order.push(entry.eventId);
        const d = deferred();
        attempts.set(entry.eventId, d);
        return d.promise;
      },
    },
    window: () => undefined,
    onBlocked: () => void blockedCalls++,
    releaseLease: async () => undefined,
    control: {
      commit: async (_topic, partition, offset) => void commits.push([partition, offset]),
      seek: (_topic, partition, offset) => void seeks.push([partition, offset]),
      backOff: (_topic, partition) => void backOffs.push(partition),
    },
    logger: silentLogger(),
    running: () => running,
    maxBufferedEvents: options.maxBufferedEvents ?? 100,
  });
  const resolved: string[] = [];
  const batch = (partition: number, first: number, keys: string[], stale = () => false): BatchPayload => ({
    batch: {
      topic: 't',
      partition,
      messages: keys.map(
        (k, i) =>
          ({
            offset: String(first + i),
            key: Buffer.from(k),
            value: Buffer.from('v'),
            headers: {},
            timestamp: '0',
            attributes: 0,
          }) as KafkaMessage,
      ),
      lastOffset: () => String(first + keys.length - 1),
    },
    resolveOffset: (o) => void resolved.push(`${partition}:${o}`),
    heartbeat: async () => undefined,
    isRunning: () => running,
    isStale: stale,
  });
  const answer = async (id: string, d: Disposition = 'delivered') => {
    const a = attempts.get(id);
    if (!a) throw new Error(`${id} was not attempted`);
    a.resolve(d);
    await tick();
  };
  return {
    pipeline,
    batch,
    answer,
    attempts,
    order,
    commits,
    seeks,
    backOffs,
    resolved,
    blocked: () => blockedCalls,
    stop: () => void (running = false),
  };
}

describe('DeliveryPipeline (fetch overlapped with delivery, settled-prefix commits)', () => {
  it('moves the fetch position past a batch at once, but commits only up to a slow event until it is done', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(0, 0, ['a', 'b', 'c', 'd', 'e'])); // returns with all 5 in flight
    expect(h.resolved).toEqual(['0:4']);
    expect(h.pipeline.buffered).toBe(5);
    for (const o of [0, 2, 3, 4]) await h.answer(`p0-${o}`);
    await h.pipeline.flush();
    expect(h.commits).toEqual([[0, '1']]); // offset 1 is still being delivered
    await h.pipeline.eachBatch(h.batch(0, 5, ['f', 'g']));
    await h.answer('p0-5');
    await h.answer('p0-6');
    await h.pipeline.flush();
    expect(h.commits).toEqual([[0, '1']]); // later batches done, the slow one still holds it
    await h.answer('p0-1');
    await h.pipeline.flush();
    expect(h.commits).toEqual([
      [0, '1'],
      [0, '7'],
    ]);
    await h.pipeline.flush();
    expect(h.commits).toHaveLength(2); // nothing new: no commit
  });

  it('keeps per-key order across batches while other keys flow', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(0, 0, ['K', 'x']));
    await h.pipeline.eachBatch(h.batch(0, 2, ['K', 'y']));
    await tick();
    expect(h.order).toEqual(['p0-0', 'p0-1', 'p0-3']); // K's second event waits for its first
    await h.answer('p0-1');
    await h.answer('p0-3');
    expect(h.order).not.toContain('p0-2');
    await h.answer('p0-0');
    expect(h.order.at(-1)).toBe('p0-2');
  });

  it('held and dead-lettered events are settled like deliveries', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(0, 0, ['a', 'b']));
    await h.answer('p0-0', 'held');
    await h.answer('p0-1', 'dead-lettered');
    await h.pipeline.flush();
    expect(h.commits).toEqual([[0, '2']]);
  });

  it('waits to return (no further fetch) while more than maxBufferedEvents are unsettled', async () => {
    const h = harness({ maxBufferedEvents: 3 });
    let returned = false;
    const p = h.pipeline.eachBatch(h.batch(0, 0, ['a', 'b', 'c', 'd', 'e'])).then(() => (returned = true));
    await tick();
    expect(returned).toBe(false);
    await h.answer('p0-0');
    expect(returned).toBe(false);
    await h.answer('p0-1');
    await p;
    expect(returned).toBe(true);
  });

  it('blocked (breaker open): drops what was not attempted, commits the settled prefix, seeks back to the first unsettled', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(0, 0, ['a', 'b', 'K', 'K', 'c']));
    await h.answer('p0-0');
    await h.answer('p0-2', 'blocked');
    expect(h.blocked()).toBe(1);
    expect(h.seeks).toEqual([]); // p0-1 and p0-4 are still in flight
    await h.answer('p0-1');
    await h.answer('p0-4');
    expect(h.order).not.toContain('p0-3'); // behind the blocked event: never attempted
    await h.pipeline.flush();
    expect(h.commits).toEqual([[0, '2']]);
    expect(h.seeks).toEqual([[0, '2']]);
    expect(h.backOffs).toEqual([]);
    // Batches fetched before the seek took effect are ignored; after it, the partition starts afresh.
    await h.pipeline.eachBatch(h.batch(0, 5, ['z'], () => true));
    expect(h.order).not.toContain('p0-5');
    await h.pipeline.eachBatch(h.batch(0, 2, ['K', 'K', 'c']));
    expect(h.order.slice(-2)).toEqual(['p0-2', 'p0-4']);
  });

  it('a delivery that throws (Redis down): seek back to it and back off the partition', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(3, 10, ['a', 'b']));
    h.attempts.get('p3-11')!.reject(new Error('redis down'));
    await tick();
    await h.answer('p3-10');
    await h.pipeline.flush();
    expect(h.commits).toEqual([[3, '11']]);
    expect(h.seeks).toEqual([[3, '11']]);
    expect(h.backOffs).toEqual([3]);
  });

  it('after a group rejoin (reset), events from before still finish but commit nothing', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(0, 0, ['a']));
    h.pipeline.reset();
    await h.answer('p0-0');
    await h.pipeline.flush();
    expect(h.commits).toEqual([]);
    expect(h.pipeline.buffered).toBe(0);
  });

  it('stopping: events not attempted yet are dropped, idle() waits for the ones in flight, then flush commits the prefix', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(0, 0, ['K', 'K', 'b']));
    h.stop();
    let idle = false;
    const waiting = h.pipeline.idle().then(() => (idle = true));
    await h.answer('p0-2');
    expect(idle).toBe(false);
    await h.answer('p0-0');
    await waiting;
    expect(h.order).not.toContain('p0-1');
    await h.pipeline.flush();
    expect(h.commits).toEqual([[0, '1']]);
    expect(h.seeks).toEqual([]);
  });

  it('ranges kafkajs skipped (only transaction markers) let the commit pass them, never past an unsettled event', async () => {
    const h = harness();
    h.pipeline.skipped('t', 1, '9'); // no flow for partition 1 yet: ignored
    await h.pipeline.eachBatch(h.batch(0, 0, ['a', 'b']));
    h.pipeline.skipped('t', 0, '2');
    await h.answer('p0-1');
    await h.pipeline.flush();
    expect(h.commits).toEqual([]); // offset 0 still in flight
    await h.answer('p0-0');
    await h.pipeline.flush();
    expect(h.commits).toEqual([[0, '3']]);
  });

  it('a skipped range seen after a seek back is ignored (it was fetched before the seek)', async () => {
    const h = harness();
    await h.pipeline.eachBatch(h.batch(0, 0, ['a', 'b']));
    await h.answer('p0-0', 'blocked');
    await h.answer('p0-1');
    expect(h.seeks).toEqual([[0, '0']]);
    h.pipeline.skipped('t', 0, '5');
    await h.pipeline.flush();
    expect(h.commits).toEqual([]);
  });
});
