import '../../helpers/integration-timeout';
import { caughtUp, eventually } from '../../helpers/stack';
import { trackerHarness } from './tracker-harness';

/**
 * A restarted (or lagging) flow tracker judges deadlines only as of what it has read: a step that
 * is on the topic, on time, but was published while no tracker ran and is read after its due time
 * raises no STEP_LATE (flows/component.ts readUpTo, flows/engine/scanner.ts). The tracker runs in
 * a child process (test/helpers/flow-tracker-process.ts, as `crossdock start` builds it) and is
 * killed with SIGKILL; the step comes while it is down, and the next one starts after the due time.
 */
jest.setTimeout(300_000);

const h = trackerHarness({ withinS: 5, expireS: 30 });
const { names, keys, planned, instance, startTracker, killWhen, publish, trackerCaughtUp, alertIdsOnTopic } =
  h;

describe('flows: a tracker that reads a step after its due time (real Kafka, registry, Redis)', () => {
  it('a step on the topic, on time, read after its due time by a restarted tracker', async () => {
    await startTracker(1);
    const now = Date.now();
    const x = await instance('held', 'split', now);
    await publish(x.first);
    await eventually(trackerCaughtUp, 'caught up');
    await eventually(async () => (await h.redis.zcard(keys.deadlines)) === 1, 'instance');
    await killWhen(async () => true, 'now');
    await publish(await x.rest(Date.now()));
    await new Promise((r) => setTimeout(r, 8000));
    await startTracker(2);
    await eventually(trackerCaughtUp, 'caught up 2');
    await new Promise((r) => setTimeout(r, 3000));
    await caughtUp(h.admin, [names.flowAlerts], () => h.alerts.get(names.flowAlerts).length);
    const got = await h.reader.getInstance('held', planned[0]!.key);
    expect({ alerts: alertIdsOnTopic(), complete: got.complete, raised: got.alerts }).toEqual({
      alerts: [],
      complete: true,
      raised: [],
    });
    expect(got.steps.map((s) => s.late ?? false)).toEqual([false, false]);
  });
});
