import { createIngressPublisher, type IngressPublisher } from '../../../connectors/sources/publisher';
import type { AckedProducer, TopicRecords } from '../../../core/kafka-client/producer';

/** A producer whose sends stay open until the test settles them, recording what each carried. */
function fakeProducer(overlapping: boolean) {
  const sends: Array<{ batch: readonly TopicRecords[]; resolve: () => void; reject: (e: Error) => void }> =
    [];
  const producer: AckedProducer = {
    client: overlapping ? 'librdkafka' : 'kafkajs',
    overlapping,
    connect: async () => undefined,
    send: (batch) =>
      new Promise((resolve, reject) => sends.push({ batch, resolve: () => resolve([]), reject })),
    onDisconnect: () => undefined,
    disconnect: async () => undefined,
  };
  return { producer, sends };
}

const record = (i: number) => ({ key: `k${i}`, value: Buffer.from(`v${i}`) });
const tick = () => new Promise((r) => setImmediate(r));

async function started(producer: AckedProducer): Promise<IngressPublisher> {
  const publisher = createIngressPublisher({ producer, sendTimeoutMs: 60000 });
  await publisher.start();
  while (!publisher.ready()) await tick();
  return publisher;
}

describe('the ingress publisher on either client', () => {
  it('on kafkajs (one request in flight) coalesces what arrives while a send is open', async () => {
    const { producer, sends } = fakeProducer(false);
    const publisher = await started(producer);
    const done = [0, 1, 2].map((i) => publisher.publish('t', [record(i)]));
    await tick();
    expect(sends).toHaveLength(1);
    sends[0]!.resolve();
    await tick();
    expect(sends).toHaveLength(2);
    expect(sends[1]!.batch).toEqual([{ topic: 't', messages: [record(1), record(2)] }]);
    sends[1]!.resolve();
    await Promise.all(done);
    expect(publisher.stats()).toMatchObject({ produceRequests: 2, messages: 3, queuedEvents: 0 });
    await publisher.stop();
  });

  it('on librdkafka (overlapping) hands each publish over at once; each caller waits for its own ack', async () => {
    const { producer, sends } = fakeProducer(true);
    const publisher = await started(producer);
    let settled = 0;
    const done = [0, 1, 2].map((i) => publisher.publish('t', [record(i)]).then(() => settled++));
    await tick();
    expect(sends.map((s) => s.batch)).toEqual([0, 1, 2].map((i) => [{ topic: 't', messages: [record(i)] }]));
    sends[2]!.resolve();
    await tick();
    expect(settled).toBe(1);
    expect(publisher.stats().queuedEvents).toBe(2);
    sends[0]!.resolve();
    sends[1]!.resolve();
    await Promise.all(done);
    expect(publisher.stats()).toMatchObject({ produceRequests: 3, messages: 3, queuedEvents: 0 });
    await publisher.stop();
  });

  it.each([false, true])(
    'a failed send answers its callers CD_E_KAFKA_UNAVAILABLE, maybe written (overlapping %s)',
    async (overlapping) => {
      const { producer, sends } = fakeProducer(overlapping);
      const publisher = await started(producer);
      const one = publisher.publish('t', [record(0)]);
      await tick();
      sends[0]!.reject(new Error('broker gone'));
      await expect(one).rejects.toMatchObject({
        code: 'CD_E_KAFKA_UNAVAILABLE',
        details: { published: 'unknown' },
      });
      expect(publisher.ready()).toBe(false);
      expect(publisher.stats().queuedEvents).toBe(0);
      await publisher.stop();
    },
  );
});
