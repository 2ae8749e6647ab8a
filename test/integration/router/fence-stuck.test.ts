import '../../helpers/integration-timeout';
import { chooseKafkaClient } from '../../../core/kafka-client/choose';
import { eventually } from '../../helpers/stack';
import { startRouter } from './harness';
import { expectStreamExactlyOnce, makeStream, metricSum, produceStream, useStreamFixture } from './stream';

/**
 * Commits that stay stuck after passing the partition fence while their partitions move (a second
 * instance joins, then the stuck one leaves): the new owner does not wait for the marks to expire
 * but fences the stuck instance's transactional ids (InitProducerId), which aborts those
 * transactions; their commits then fail. Every event still reaches each subscribed topic exactly
 * once. On librdkafka there is no fence (docs/router.md "Which partition fence stays"): the new
 * owner's offset fetch waits for the stuck transactions' pending offsets until the broker aborts
 * them (the transaction timeout), and it then routes their events itself.
 */
const fx = useStreamFixture();

it('fences a stuck commit of another instance and keeps exactly-once', async () => {
  const events = await makeStream(1200);
  const redisPrefix = `stuck-${Date.now()}:`;
  let stuck = false;
  let inCommit = 0;
  // Stuck until the first instance's stop() has returned: it waits up to 10 s for the commits
  // under way and then halts, so these never commit (a fixed pause of 12 s did commit when the
  // machine was slow to start the second instance, and the drain outlasted it).
  let release = () => undefined as void;
  const released = new Promise<void>((r) => (release = r));
  fx.routers.push(
    await startRouter(fx.config, {
      redisPrefix,
      beforeCommit: async () => {
        if (!stuck) return;
        inCommit++;
        await released;
        inCommit--;
      },
    }),
  );
  // Everything but the last 200 events flows normally.
  await produceStream(fx.producer, fx.config, events.slice(0, 1000), 250, async () => undefined);
  await eventually(() => fx.collector.get(fx.t.deliver('c')).length >= 1000, '1000 events on c', 60000);
  // The last 200 arrive in one request (one batch per partition) and their commits get stuck.
  stuck = true;
  await produceStream(fx.producer, fx.config, events.slice(1000), 200, async () => undefined);
  await eventually(() => inCommit > 0, 'a stuck commit of the first instance', 30000);
  stuck = false; // only the commits under way stay stuck
  // The second instance joins (it may take a stuck partition already), then the first leaves:
  // the second takes every partition, so it meets the stuck commits' marks and fences them.
  fx.routers.push(await startRouter(fx.config, { redisPrefix, fenceAfterMs: 500 }));
  await fx.routers[0]!.stop();
  release();
  await expectStreamExactlyOnce(fx, events);
  if (chooseKafkaClient('router').kind === 'kafkajs')
    expect(await metricSum(fx.routers[1]!.router.metrics.claims, 'fenced')).toBeGreaterThan(0);
  // The stuck commits never committed: the second instance routed their events.
  else expect(await metricSum(fx.routers[1]!.router.metrics.routed)).toBeGreaterThan(0);
});
