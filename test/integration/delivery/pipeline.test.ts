import type { ChildProcess } from 'node:child_process';
import { eventually, testEndpoints } from '../../helpers/stack';
import { childFixture, exited, startChild } from './child';
import { deliveryTopics, holdEvent, produceHolds, startReceiver, type Receiver } from './helpers';

/**
 * Fetching overlaps delivery (DeliveryPipeline): a slow event does not hold back later fetches,
 * and it does hold the committed offset; a kill -9 while it is in flight redelivers it (and only
 * it), and its effect still happens once.
 */
describe('delivery: later fetches flow past a slow event, the commit waits for it', () => {
  const f = childFixture();
  let receiver: Receiver;
  let child: ChildProcess;

  it('delivers a later fetch while the slow event is in flight, commits up to it only, and after kill -9 redelivers only it', async () => {
    const { admin, producer } = f;
    const topics = await deliveryTopics(admin, 1);
    const group = `${topics.prefix}-connector-${topics.subscriberId}`;
    const wave1 = Array.from({ length: 100 }, (_, i) => holdEvent(`W1-${i}`, i));
    const wave2 = Array.from({ length: 100 }, (_, i) => holdEvent(`W2-${i}`, i));
    const slow = wave1[10]!; // offset 10 of the only partition
    const effects = new Set<string>();
    let slowAnswered = false;
    receiver = await startReceiver((req, attempt) => {
      effects.add(req.key); // the effect happens on arrival, once per Idempotency-Key
      if (req.key === slow.eventId && attempt === 1) {
        setTimeout(() => (slowAnswered = true), 8000);
        return { status: 200, delayMs: 8000 };
      }
      return { status: 200 };
    });
    f.receivers.push(receiver);
    const e = testEndpoints();
    const config = {
      prefix: topics.prefix,
      subscriberId: topics.subscriberId,
      url: receiver.url,
      timeoutMs: 30_000,
      delivery: { idempotency: { leaseMs: 2000 } },
      brokers: e.kafkaBrokers,
      redisUrl: e.redisUrl,
      registryUrl: e.registryUrl,
    };
    child = await startChild(config);
    f.children.push(child);
    await produceHolds(producer, topics.deliver, wave1);
    await eventually(() => effects.size === 100, 'wave 1 received (the slow one still unanswered)', 30_000);
    await produceHolds(producer, topics.deliver, wave2);
    await eventually(() => effects.size === 200, 'wave 2 received', 30_000);
    expect(slowAnswered).toBe(false); // wave 2 was fetched and delivered past the slow event
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: group, topics: [topics.deliver] }))[0]!.partitions[0]!.offset;
    await eventually(
      async () => (await committed()) === '10',
      'offsets committed up to the slow event',
      5000,
    );
    expect(slowAnswered).toBe(false);

    child.kill('SIGKILL');
    await exited(child);
    child = await startChild(config);
    f.children.push(child);
    await eventually(
      () => receiver.countByKey().get(slow.eventId) === 2,
      'the slow event delivered again (its lease expired)',
      30_000,
    );
    await eventually(async () => (await committed()) === '200', 'offsets committed to the end', 30_000);
    const counts = receiver.countByKey();
    expect(effects.size).toBe(200);
    // Every event settled before the kill was skipped by its idempotency record (one request each).
    for (const ev of [...wave1, ...wave2]) if (ev !== slow) expect(counts.get(ev.eventId)).toBe(1);
    child.kill('SIGTERM');
    await exited(child);
  });
});
