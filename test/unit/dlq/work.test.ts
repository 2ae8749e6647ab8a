import { applyWork, planChange, type WorkOp } from '../../../dlq';
import type { DeadLetterState } from '../../../dlq';
import { fakeStore, letter } from './fakes';

const by = { by: 'ann', at: 5 };
const plan = (op: WorkOp, state: DeadLetterState, owner?: string, extra: object = {}) =>
  planChange(op, { id: 't:0:1', state, ...(owner ? { owner } : {}) }, { ...by, ...extra });

describe('operators’ work', () => {
  it('asks the store for one change per operation', () => {
    expect(plan('claim', 'new')).toEqual({ change: { ...by, state: 'claimed', owner: 'ann' } });
    expect(plan('claim', 'claimed', 'ann')).toEqual({ change: { ...by, state: 'claimed', owner: 'ann' } });
    expect(plan('assign', 'new', undefined, { owner: 'bob' })).toEqual({
      change: { ...by, state: 'claimed', owner: 'bob' },
    });
    expect(plan('assign', 'claimed', 'bob', { owner: '' })).toEqual({
      change: { ...by, state: 'new', owner: '' },
    });
    expect(plan('discard', 'claimed', 'ann', { text: 'test data' })).toEqual({
      change: { ...by, state: 'discarded', note: 'discarded: test data' },
    });
    expect(plan('resolve', 'new')).toEqual({ change: { ...by, state: 'resolved' } });
    expect(plan('resolve', 'replayed', undefined, { text: 'fixed by hand' })).toEqual({
      change: { ...by, state: 'resolved', note: 'fixed by hand' },
    });
    expect(plan('note', 'discarded', undefined, { text: 'hm' })).toEqual({ change: { ...by, note: 'hm' } });
  });

  it('refuses claiming what another person claimed, naming who has it', () => {
    expect(plan('claim', 'claimed', 'bob')).toEqual({
      refused: 't:0:1 is claimed by bob: assign it to take it over',
    });
  });

  it.each(['claim', 'assign', 'resolve', 'discard'] as WorkOp[])(
    'leaves a replaying letter to its job: %s is refused, a note is taken',
    (op) => {
      expect(plan(op, 'replaying', undefined, { owner: 'bob', text: 'x' })).toEqual({
        refused:
          't:0:1 is replaying: its replay job has it until it is sent (pause or cancel the job first; notes are taken)',
      });
      expect(plan('note', 'replaying', undefined, { text: 'x' })).toHaveProperty('change');
    },
  );

  it('reports each letter: applied, unknown, or refused by the store', async () => {
    const store = fakeStore([letter('t:0:1'), letter('t:0:2', { state: 'discarded' })]);
    const res = await applyWork(store, { ids: ['t:0:1', 't:0:2', 't:0:3'] }, 'resolve', { ...by }, 10);
    expect(res).toEqual({
      op: 'resolve',
      selected: 3,
      applied: 1,
      refused: 2,
      items: [
        { id: 't:0:1', ok: true, state: 'resolved' },
        {
          id: 't:0:2',
          ok: false,
          code: 'CD_E_DLQ_STATE_INVALID',
          message: 'dead letter t:0:2 is discarded: it cannot become resolved',
        },
        { id: 't:0:3', ok: false, code: 'CD_E_DLQ_NOT_FOUND', message: 'no dead letter t:0:3 in the index' },
      ],
    });
  });

  it('refuses a selection above the bound before changing anything', async () => {
    const store = fakeStore([letter('t:0:1'), letter('t:0:2')]);
    await expect(applyWork(store, { filter: { subscriber: 'erp' } }, 'claim', by, 1)).rejects.toMatchObject({
      code: 'CD_E_DLQ_SELECTION_TOO_LARGE',
    });
    await expect(applyWork(store, { ids: ['t:0:1', 't:0:2'] }, 'claim', by, 1)).rejects.toMatchObject({
      code: 'CD_E_DLQ_SELECTION_TOO_LARGE',
    });
    expect((await store.get('t:0:1'))!.state).toBe('new');
  });
});
