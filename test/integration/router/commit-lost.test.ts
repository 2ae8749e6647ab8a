import '../../helpers/integration-timeout';
import { startRouter } from './harness';
import { expectStreamExactlyOnce, makeStream, produceStream, useStreamFixture } from './stream';

/**
 * A commit whose answer is lost (what a broker kill under the router does to EndTxn: the
 * coordinator may have committed, the router cannot know from the reply). Here EndTxn goes
 * through and the router is then told it failed (the `afterCommit` instrumentation throws), a few
 * times during a stream: the router settles each such transaction from Kafka (router/commit.ts
 * settleUnknownCommit: its transactional id initialised again, the group's committed offsets read)
 * and reads its partitions again from what Kafka committed. Reading them again from the batch's
 * first offset, as it did before, routed every batch of those transactions twice.
 */
const fx = useStreamFixture();

it('a commit that went through but whose answer was lost routes nothing twice', async () => {
  const events = await makeStream(1500);
  let lost = 0;
  let commits = 0;
  fx.routers.push(
    await startRouter(fx.config, {
      redisPrefix: `commit-lost-${Date.now()}:`,
      afterCommit: async () => {
        commits++;
        // Every second commit, three times in all: the answer "did not come".
        if (commits % 2 === 0 && lost < 3) {
          lost++;
          throw new Error('EndTxn answer lost (test)');
        }
      },
    }),
  );
  // In small steps, so the router commits many transactions, not a few large ones.
  await produceStream(fx.producer, fx.config, events, 100, () => new Promise((r) => setTimeout(r, 200)));
  await expectStreamExactlyOnce(fx, events, 120_000);
  expect(lost).toBe(3);
});
