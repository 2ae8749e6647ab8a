import type { ChildProcess } from 'node:child_process';
import { eventually, testEndpoints } from '../../helpers/stack';
import { childFixture, exited, startChild } from './child';
import {
  deliveryTopics,
  holdEvent,
  produceHolds,
  readAll,
  startReceiver,
  type Receiver,
  type TestEvent,
} from './helpers';

/**
 * What the connector may repeat after a kill -9 (docs/retry.md "Worked numbers: a slow event and a
 * kill -9"): the requests in flight at the kill (at most `concurrency.perInstance`), and deliveries
 * whose 2xx had not been recorded as `done` in Redis yet. The connector gathers `done` writes for
 * this long (connectors/sinks/connector.ts, finishDelayMs) before one script call writes them.
 */
const DONE_GATHER_MS = 10;

describe('delivery: kill -9 of a connector process mid-stream', () => {
  const f = childFixture();
  let receiver: Receiver;
  let child: ChildProcess;

  it('every event reaches the receiver and, counted by Idempotency-Key, each effect happens once', async () => {
    const { kafka, admin, producer } = f;
    const topics = await deliveryTopics(admin, 3);
    const total = 3000;
    const perInstance = 16;
    // Every 2xx takes at least this long, which bounds how many deliveries can finish while their
    // `done` writes are gathered and sent (perInstance per replyDelayMs).
    const replyDelayMs = 25;
    // The receiver applies each effect once per Idempotency-Key (the last gap docs/design.md names) and
    // counts every request, so duplicates are visible. A few 500s make retries part of the run.
    const effects = new Set<string>();
    let programmed500 = 0;
    receiver = await startReceiver((req, attempt) => {
      if (req.n % 97 === 0 && attempt === 1) {
        programmed500++;
        return { status: 500 };
      }
      effects.add(req.key);
      return { status: 200, delayMs: replyDelayMs };
    });
    f.receivers.push(receiver);
    const e = testEndpoints();
    const config = {
      prefix: topics.prefix,
      subscriberId: topics.subscriberId,
      url: receiver.url,
      delivery: {
        retry: { initialDelayMs: 50, maxDelayMs: 500 },
        idempotency: { leaseMs: 2000 },
        concurrency: { perInstance },
      },
      brokers: e.kafkaBrokers,
      redisUrl: e.redisUrl,
      registryUrl: e.registryUrl,
    };
    const events: TestEvent[] = Array.from({ length: total }, (_, i) => holdEvent(`K-${i % 500}`, i));
    child = await startChild(config);
    f.children.push(child);
    const producing = produceHolds(producer, topics.deliver, events);
    await eventually(() => receiver.requests.length >= total / 3, 'a third of the stream delivered', 90_000);
    const before = receiver.requests.length;
    child.kill('SIGKILL');
    await exited(child);
    await producing;
    child = await startChild(config);
    f.children.push(child);
    await eventually(() => effects.size === total, `all ${total} effects`, 90_000);
    const wanted = new Set(events.map((x) => x.eventId));
    expect([...effects].every((k) => wanted.has(k))).toBe(true);
    const counts = receiver.countByKey();
    const duplicates = receiver.requests.length - total - programmed500;
    console.log(
      `kill -9 after ${before} requests: ${receiver.requests.length} requests for ${total} events; ${programmed500} were programmed 500s, ${duplicates} duplicate deliveries (same Idempotency-Key after a 2xx); max per key ${Math.max(...counts.values())}`,
    );
    expect(effects.size).toBe(total);
    // Every request beyond one 2xx per event and the programmed 500s is a duplicate the receiver
    // absorbed by Idempotency-Key. They can only be the requests in flight at the kill plus the
    // 2xx not yet recorded: those answered during the gather window and the write's round trip
    // (allowed one more reply delay), at most perInstance per replyDelayMs.
    const unrecorded = perInstance * Math.ceil((DONE_GATHER_MS + replyDelayMs) / replyDelayMs);
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(perInstance + unrecorded);
    // One kill repeats an event at most once: its 2xx, maybe a programmed 500, maybe one repeat.
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(3);
    expect(await readAll(kafka, admin, topics.dlq)).toHaveLength(0);
    child.kill('SIGTERM');
    await exited(child);
  });
});
