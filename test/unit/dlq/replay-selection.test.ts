import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from '../../../dlq';
import { checkSelector, replayOrder, resolveSelection } from '../../../dlq/replay/selection';
import { replayHeaders } from '../../../dlq/replay/message';
import { isCrossdockError } from '../../../core/errors';
import { deliveryLetter } from './replay-fixtures';

/** An in-memory stand-in for the index: get and ids (filter by subscriber and state) only. */
function fakeStore(records: DeadLetterRecord[]): DeadLetterStore {
  const byId = new Map(records.map((r) => [r.id, r]));
  const unused = () => {
    throw new Error('not used by selection');
  };
  return {
    get: async (id) => byId.get(id),
    ids: async (f: DeadLetterFilter, max) =>
      records
        .filter((r) => (!f.subscriber || r.subscriber === f.subscriber) && (!f.state || r.state === f.state))
        .sort((a, b) => b.lastFailedAt - a.lastFailedAt)
        .slice(0, max)
        .map((r) => r.id),
    index: unused,
    payload: unused,
    list: unused,
    groups: unused,
    ofEvent: unused,
    applyState: unused,
    queue: unused,
    summary: unused,
    size: unused,
    clear: unused,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isCrossdockError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

const letters = [
  deliveryLetter({ id: 'p.dlq.deliver.erp:0:1', lastFailedAt: 30 }),
  deliveryLetter({ id: 'p.dlq.deliver.erp:0:2', lastFailedAt: 10, state: 'claimed', owner: 'ana' }),
  deliveryLetter({ id: 'p.dlq.deliver.erp:0:3', lastFailedAt: 20, state: 'replayed' }),
  deliveryLetter({ id: 'p.dlq.deliver.wms:0:1', subscriber: 'wms', lastFailedAt: 5 }),
];
const store = fakeStore(letters);

describe('replay selectors', () => {
  it('ids or a filter, not both, not neither, not an empty list, well-formed ids', () => {
    const bad = (s: Parameters<typeof checkSelector>[0]) => {
      try {
        checkSelector(s, 10);
        return 'no error';
      } catch (err) {
        return isCrossdockError(err) ? `${err.code}: ${err.message}` : String(err);
      }
    };
    expect(bad({})).toMatch(/^CD_E_DLQ_SELECTOR_INVALID: the selector is empty/);
    expect(bad({ ids: ['a:0:1'], filter: {} })).toMatch(/^CD_E_DLQ_SELECTOR_INVALID: .*not both/);
    expect(bad({ ids: [] })).toMatch(/^CD_E_DLQ_SELECTOR_INVALID: .*empty/);
    expect(bad({ ids: ['p.dlq.router:0'] })).toMatch(
      /^CD_E_DLQ_SELECTOR_INVALID: "p.dlq.router:0" is not a dead-letter id/,
    );
    expect(bad({ filter: { state: 'gone' as never } })).toMatch(/unknown state "gone"/);
    expect(bad({ filter: { since: 5, until: 1 } })).toMatch(/since is after its until/);
    expect(bad({ ids: ['a:0:1', 'a:0:1', 'a:0:2'] })).toBe('no error');
  });

  it('more ids than maxSelection is CD_E_DLQ_SELECTION_TOO_LARGE', () => {
    expect(() => checkSelector({ ids: ['a:0:1', 'a:0:2', 'a:0:3'] }, 2)).toThrow(
      expect.objectContaining({ code: 'CD_E_DLQ_SELECTION_TOO_LARGE' }),
    );
  });

  it('an unknown id is CD_E_DLQ_NOT_FOUND naming it', async () => {
    await expect(
      resolveSelection(store, { ids: ['p.dlq.deliver.erp:0:1', 'p.dlq.deliver.erp:0:99'] }, 10),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'CD_E_DLQ_NOT_FOUND',
        message: expect.stringContaining('p.dlq.deliver.erp:0:99'),
      }),
    );
  });

  it('ids are taken whatever their state, oldest failure first', async () => {
    const got = await resolveSelection(
      store,
      { ids: ['p.dlq.deliver.erp:0:1', 'p.dlq.deliver.erp:0:3'] },
      10,
    );
    expect(got.map((r) => r.id)).toEqual(['p.dlq.deliver.erp:0:3', 'p.dlq.deliver.erp:0:1']);
  });

  it('a filter selects the open letters (new, claimed), oldest failure first', async () => {
    const got = await resolveSelection(store, { filter: { subscriber: 'erp' } }, 10);
    expect(got.map((r) => r.id)).toEqual(['p.dlq.deliver.erp:0:2', 'p.dlq.deliver.erp:0:1']);
  });

  it('a filter naming a state selects that state', async () => {
    const got = await resolveSelection(store, { filter: { state: 'replayed' } }, 10);
    expect(got.map((r) => r.id)).toEqual(['p.dlq.deliver.erp:0:3']);
  });

  it('a filter matching nothing open is CD_E_DLQ_SELECTOR_INVALID; too many is TOO_LARGE', async () => {
    expect(await codeOf(resolveSelection(store, { filter: { subscriber: 'nobody' } }, 10))).toBe(
      'CD_E_DLQ_SELECTOR_INVALID',
    );
    expect(await codeOf(resolveSelection(store, { filter: {} }, 2))).toBe('CD_E_DLQ_SELECTION_TOO_LARGE');
    expect(await codeOf(resolveSelection(store, { filter: {} }, 3))).toBe('no error');
  });

  it('orders letters failing at the same time by id', () => {
    const a = deliveryLetter({ id: 'x:0:2', lastFailedAt: 1 });
    const b = deliveryLetter({ id: 'x:0:1', lastFailedAt: 1 });
    expect(replayOrder([a, b]).map((r) => r.id)).toEqual(['x:0:1', 'x:0:2']);
  });
});

describe('replay headers', () => {
  it('the original headers without the hub’s cd-* ones, plus this replay’s', () => {
    const h = replayHeaders(
      {
        ce_id: 'e-1',
        ce_type: 'com.crossdock.order.OrderHoldPlaced',
        'content-type': 'application/avro',
        traceparent: '00-aa-bb-01',
        'cd-error-code': 'CD_E_DELIVERY_REJECTED',
        'cd-original-topic': 'p.deliver.erp',
        'cd-last-status': '400',
        'cd-replay-of': 'old:0:1',
        'cd-replay-count': '1',
        'cd-replay-id': 'r-00000000',
      },
      { id: 'p.dlq.deliver.erp:0:7', replayCount: 1 },
      'r-1234abcd',
    );
    expect(h).toEqual({
      ce_id: 'e-1',
      ce_type: 'com.crossdock.order.OrderHoldPlaced',
      'content-type': 'application/avro',
      traceparent: '00-aa-bb-01',
      'cd-replay-of': 'p.dlq.deliver.erp:0:7',
      'cd-replay-count': '2',
      'cd-replay-id': 'r-1234abcd',
    });
  });
});
