import '../../helpers/integration-timeout';
import { startRouter } from './harness';
import { expectStreamExactlyOnce, makeStream, metricSum, produceStream, useStreamFixture } from './stream';

/**
 * Two router instances in one group, with a rebalance when the second joins and another when the
 * first leaves, during a stream: each event is in each subscribed topic exactly once.
 */
const fx = useStreamFixture();

it('keeps exactly-once fan-out through two rebalances', async () => {
  const events = await makeStream(3000);
  const redisPrefix = `rebalance-${Date.now()}:`;
  fx.routers.push(await startRouter(fx.config, { redisPrefix }));
  let second = false;
  let firstStopped = false;
  await produceStream(fx.producer, fx.config, events, 250, async (sent) => {
    if (sent >= 750 && !second) {
      second = true;
      fx.routers.push(await startRouter(fx.config, { redisPrefix })); // rebalance 1: B joins
    }
    if (sent >= 2000 && !firstStopped) {
      firstStopped = true;
      await fx.routers[0]!.stop(); // rebalance 2: A leaves mid-stream
    }
  });
  await expectStreamExactlyOnce(fx, events);
  // Both instances did part of the work.
  expect(await metricSum(fx.routers[0]!.router.metrics.routed)).toBeGreaterThan(0);
  expect(await metricSum(fx.routers[1]!.router.metrics.routed)).toBeGreaterThan(0);
});
