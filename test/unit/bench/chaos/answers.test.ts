import { decide, noAnswerBackoffMs, retryAfterMs } from '../../../../bench/chaos/answers';
import { parseChaosArgs, UsageError } from '../../../../bench/chaos/args';

describe('chaos sender: what it does with an ingest answer', () => {
  const now = Date.parse('2026-03-02T15:00:00Z');

  it('takes the eventIds of a 2xx', () => {
    expect(decide(202, { accepted: 1, eventIds: ['a'] }, null, now)).toEqual({
      kind: 'accepted',
      eventIds: ['a'],
    });
    expect(decide(200, { accepted: 1 }, null, now)).toEqual({ kind: 'refused', code: 'NO_EVENT_IDS' });
  });

  it('honours Retry-After on 503 and 429 (seconds or a date), with a default when absent', () => {
    expect(decide(503, { code: 'CD_E_KAFKA_UNAVAILABLE' }, '5', now)).toEqual({
      kind: 'retry',
      waitMs: 5000,
      reason: '503 CD_E_KAFKA_UNAVAILABLE',
    });
    expect(decide(429, { code: 'CD_E_QUOTA_EXCEEDED' }, 'Mon, 02 Mar 2026 15:00:03 GMT', now)).toMatchObject({
      kind: 'retry',
      waitMs: 3000,
    });
    expect(decide(503, undefined, null, now, 700)).toMatchObject({ kind: 'retry', waitMs: 700 });
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('retries a request still being processed and a replayed signature, refuses a real conflict', () => {
    expect(decide(409, { code: 'CD_E_IDEMPOTENCY_CONFLICT' }, '1', now)).toMatchObject({
      kind: 'retry',
      waitMs: 1000,
    });
    expect(decide(409, { code: 'CD_E_IDEMPOTENCY_CONFLICT' }, null, now)).toEqual({
      kind: 'refused',
      code: 'CD_E_IDEMPOTENCY_CONFLICT',
    });
    expect(decide(401, { code: 'CD_E_AUTH_REPLAYED' }, null, now)).toMatchObject({ kind: 'retry' });
    expect(decide(401, { code: 'CD_E_AUTH_BAD_SIGNATURE' }, null, now)).toEqual({
      kind: 'refused',
      code: 'CD_E_AUTH_BAD_SIGNATURE',
    });
    expect(decide(400, { code: 'CD_E_INPUT_REJECTED' }, null, now)).toEqual({
      kind: 'refused',
      code: 'CD_E_INPUT_REJECTED',
    });
  });

  it('backs off after no answer, capped', () => {
    expect([1, 2, 3, 10].map((n) => noAnswerBackoffMs(n))).toEqual([250, 500, 1000, 5000]);
  });
});

describe('chaos options', () => {
  it('has defaults and reads every option', () => {
    expect(parseChaosArgs([])).toMatchObject({ minutes: 10, rate: 15, gapSeconds: [5, 20], json: false });
    expect(
      parseChaosArgs(['--minutes', '2.5', '--seed', '7', '--faults', 'hub-kill', '--gap', '1-3', '--json']),
    ).toMatchObject({ minutes: 2.5, seed: 7, faults: ['hub-kill'], gapSeconds: [1, 3], json: true });
  });

  it('refuses bad input with a usage error', () => {
    for (const argv of [
      ['--minutes', '0'],
      ['--seed', '-1'],
      ['--gap', '9-3'],
      ['--faults', 'nope'],
      ['--what'],
    ])
      expect(() => parseChaosArgs(argv)).toThrow(UsageError);
  });
});
