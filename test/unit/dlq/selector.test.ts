import { isCrossdockError } from '../../../core/errors';
import { describeSelector, checkDeadLetterId, parseFilter, parseSelector, parseTime } from '../../../dlq';

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCrossdockError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

const NOW = Date.parse('2026-03-02T15:00:00Z');

describe('dead-letter selectors', () => {
  it('takes an id apart at its last two colons', () => {
    expect(checkDeadLetterId('acme.dlq.deliver.erp:3:120')).toEqual({
      topic: 'acme.dlq.deliver.erp',
      partition: 3,
      offset: '120',
    });
  });

  it.each(['', 'topic', 'topic:1', 'topic:x:1', 'topic:1:-1', ':1:2', 'a b:1:2', 'a:1:2:', 'a/b:1:2'])(
    'refuses the id %j with CD_E_DLQ_SELECTOR_INVALID naming where',
    (id) => {
      const r = refusal(() => checkDeadLetterId(id, 'selector.ids[2]'));
      expect(r.code).toBe('CD_E_DLQ_SELECTOR_INVALID');
      expect(r.message).toMatch(
        /^selector\.ids\[2\]: .* is not a dead-letter id: expected <topic>:<partition>:<offset>/,
      );
    },
  );

  it('reads times as ISO, epoch ms or a duration ago', () => {
    expect(parseTime('2026-03-02T14:00:00Z', 'since', NOW)).toBe(NOW - 3_600_000);
    expect(parseTime('2026-03-02', 'since', NOW)).toBe(Date.parse('2026-03-02T00:00:00Z'));
    expect(parseTime(String(NOW), 'since', NOW)).toBe(NOW);
    expect(parseTime(NOW, 'since', NOW)).toBe(NOW);
    expect(parseTime('2h', 'since', NOW)).toBe(NOW - 7_200_000);
    expect(parseTime('7d', 'since', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTime('30m', 'since', NOW)).toBe(NOW - 1_800_000);
    for (const bad of ['yesterday', '2h ago', '2026-13-40', '-5', 1.5, -1]) {
      const r = refusal(() => parseTime(bad, 'filter.since', NOW));
      expect(r.code).toBe('CD_E_DLQ_SELECTOR_INVALID');
      expect(r.message.startsWith('filter.since: ')).toBe(true);
    }
  });

  it('checks filters: states, time order; empty strings are absent', () => {
    expect(parseFilter({ subscriber: 'erp', state: 'claimed', since: '1h', site: '' }, 'query', NOW)).toEqual(
      {
        subscriber: 'erp',
        state: 'claimed',
        since: NOW - 3_600_000,
      },
    );
    expect(refusal(() => parseFilter({ state: 'lost' }, 'query')).message).toBe(
      'query.state: "lost" is not a state (new, claimed, replaying, replayed, discarded, resolved)',
    );
    expect(refusal(() => parseFilter({ since: '1h', until: '2h' }, 'query', NOW)).message).toContain(
      'since (2026-03-02T14:00:00.000Z) is after until (2026-03-02T13:00:00.000Z)',
    );
  });

  it('a selector names ids or a non-empty filter, never nothing and never both', () => {
    expect(parseSelector({ ids: ['a:0:1', 'a:0:1', 'a:0:2'] })).toEqual({ ids: ['a:0:1', 'a:0:2'] });
    expect(parseSelector({ filter: { code: 'CD_E_X' } })).toEqual({ filter: { code: 'CD_E_X' } });
    expect(refusal(() => parseSelector({})).message).toBe(
      'selector: name the dead letters: ids, or a filter with at least one condition',
    );
    expect(refusal(() => parseSelector({ ids: [] })).message).toBe(
      'selector.ids: name at least one dead-letter id',
    );
    expect(refusal(() => parseSelector({ filter: { site: '' } })).message).toContain(
      'an empty filter would select every dead letter',
    );
    expect(refusal(() => parseSelector({ ids: ['a:0:1'], filter: { code: 'X' } })).message).toBe(
      'selector: give ids or a filter, not both',
    );
    expect(refusal(() => parseSelector({ ids: ['a:0:1', 'oops'] })).message).toContain(
      'selector.ids[1]: "oops"',
    );
  });

  it('describes a selector in one line', () => {
    expect(describeSelector({ ids: ['a:0:1'] })).toBe('a:0:1');
    expect(describeSelector({ ids: ['a:0:1', 'a:0:2'] })).toBe('2 ids');
    expect(describeSelector({ filter: { code: 'CD_E_X', subscriber: 'erp', since: 0 } })).toBe(
      'subscriber=erp code=CD_E_X since=1970-01-01T00:00:00.000Z',
    );
  });
});
