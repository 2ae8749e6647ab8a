import { deadLetterHeaders } from '../../../core/dead-letters';
import { topicsForPrefix } from '../../../core/names/topics';
import type { DeadLetterSettings } from '../../../core/config';
import {
  dueAtOf,
  groupKeyOf,
  mayMove,
  nextOperatorState,
  parseDeadLetterId,
  readDeadLetter,
  type OperatorState,
} from '../../../dlq';

const t = topicsForPrefix('cd');
const base: OperatorState = { state: 'new', notes: [], replays: [], updatedAt: 0, updatedBy: 'indexer' };

describe('dlq: dead-letter ids', () => {
  it('parses <topic>:<partition>:<offset> and refuses anything else with a coded error naming it', () => {
    expect(parseDeadLetterId('cd.dlq.deliver.erp:3:42')).toEqual({
      topic: 'cd.dlq.deliver.erp',
      partition: 3,
      offset: '42',
    });
    for (const bad of ['', 'cd.dlq.router', 'cd.dlq.router:x:1', 'cd.dlq.router:1:', 'a b:1:2'])
      expect(() => parseDeadLetterId(bad)).toThrow(
        expect.objectContaining({
          code: 'CD_E_DLQ_SELECTOR_INVALID',
          message: expect.stringContaining(JSON.stringify(bad)),
        }),
      );
  });
});

describe('dlq: reading a dead-letter record', () => {
  const headers = deadLetterHeaders(
    {
      code: 'CD_E_DELIVERY_REJECTED',
      message: 'HTTP 400',
      stage: 'deliver.http',
      attempts: 2,
      firstFailedAt: 1000,
      lastFailedAt: 5000,
      original: { topic: 'cd.deliver.erp', partition: 1, offset: '9' },
      subscriber: 'erp',
    },
    {
      ce_id: '7f1c2a4e-0c2b-4d8e-9b7a-1f2e3d4c5b6a',
      ce_type: 'com.crossdock.order.OrderReleased',
      ce_source: 'crossdock://sites/us-atl/wms',
      'cd-replay-count': '2',
      'cd-replay-of': 'cd.dlq.deliver.erp:0:1',
    },
  );
  const ctx = { topics: t, now: 9000, dueAt: (r: { lastFailedAt: number }) => r.lastFailedAt + 10 };

  it('takes the reason, origin, identity and replay count from the headers', () => {
    const { record, payload } = readDeadLetter(
      {
        topic: t.dlqDeliver('erp'),
        partition: 0,
        offset: '12',
        key: Buffer.from('K'),
        value: Buffer.from('not avro'),
        headers,
      },
      ctx,
    );
    expect(record).toMatchObject({
      id: 'cd.dlq.deliver.erp:0:12',
      kind: 'deliver',
      code: 'CD_E_DELIVERY_REJECTED',
      subscriber: 'erp',
      site: 'us-atl',
      eventType: 'com.crossdock.order.OrderReleased',
      eventId: '7f1c2a4e-0c2b-4d8e-9b7a-1f2e3d4c5b6a',
      attempts: 2,
      firstFailedAt: 1000,
      lastFailedAt: 5000,
      original: { topic: 'cd.deliver.erp', partition: 1, offset: '9' },
      replayCount: 2,
      replayOf: 'cd.dlq.deliver.erp:0:1',
      state: 'new',
      dueAt: 5010,
      group: 'CD_E_DELIVERY_REJECTED|us-atl|erp|-',
    });
    expect(payload.key?.toString()).toBe('K');
    expect(payload.headers['cd-error-message']).toBe('HTTP 400');
  });

  it('indexes a record with no dead-letter headers under CD_E_DLQ_NO_REASON, site from its ingress topic', () => {
    const { record } = readDeadLetter(
      {
        topic: t.dlqRouter,
        partition: 0,
        offset: '1',
        key: null,
        value: null,
        headers: { 'cd-original-topic': 'cd.ingress.mx-mty' },
        timestamp: '4242',
      },
      ctx,
    );
    expect(record).toMatchObject({
      kind: 'router',
      code: 'CD_E_DLQ_NO_REASON',
      site: 'mx-mty',
      lastFailedAt: 4242,
    });
    expect(record.subscriber).toBeUndefined();
  });

  it('keeps a restored operator state instead of a new one', () => {
    const operator: OperatorState = { ...base, state: 'claimed', owner: 'ana', dueAt: 77, updatedBy: 'ana' };
    const { record } = readDeadLetter(
      { topic: t.dlqRouter, partition: 0, offset: '1', key: null, value: null, headers },
      { ...ctx, operator },
    );
    expect(record).toMatchObject({ state: 'claimed', owner: 'ana', dueAt: 77 });
  });

  it('groups by code × site × subscriber × schema version', () => {
    expect(groupKeyOf({ code: 'C', site: 's', subscriber: 'x', schemaVersion: 3 })).toBe('C|s|x|3');
    expect(groupKeyOf({ code: 'C' })).toBe('C|-|-|-');
  });
});

describe('dlq: state transitions', () => {
  it('allows the documented moves and refuses the others with CD_E_DLQ_STATE_INVALID', () => {
    expect(mayMove('new', 'claimed')).toBe(true);
    expect(mayMove('replaying', 'replayed')).toBe(true);
    expect(mayMove('replayed', 'resolved')).toBe(true);
    expect(mayMove('discarded', 'new')).toBe(false);
    expect(mayMove('resolved', 'claimed')).toBe(false);
    expect(mayMove('new', 'replayed')).toBe(false);
    expect(() =>
      nextOperatorState('i', { ...base, state: 'discarded' }, { state: 'claimed', by: 'a', at: 1 }),
    ).toThrow(
      expect.objectContaining({
        code: 'CD_E_DLQ_STATE_INVALID',
        message: expect.stringContaining('discarded'),
      }),
    );
  });

  it('a claim sets the owner, a note is appended, unclaiming clears the owner', () => {
    const claimed = nextOperatorState('i', base, { state: 'claimed', owner: 'ana', by: 'ana', at: 5 });
    expect(claimed).toMatchObject({ state: 'claimed', owner: 'ana', updatedAt: 5, updatedBy: 'ana' });
    const noted = nextOperatorState('i', claimed, { note: 'waiting for ERP fix', by: 'bo', at: 6 });
    expect(noted.notes).toEqual([{ at: 6, by: 'bo', text: 'waiting for ERP fix' }]);
    expect(noted.owner).toBe('ana');
    expect(nextOperatorState('i', noted, { state: 'new', by: 'ana', at: 7 }).owner).toBeUndefined();
    expect(() =>
      nextOperatorState('i', { ...base, state: 'resolved' }, { owner: 'x', by: 'x', at: 1 }),
    ).toThrow(expect.objectContaining({ code: 'CD_E_DLQ_STATE_INVALID' }));
  });
});

describe('dlq: service levels', () => {
  const settings: DeadLetterSettings = {
    serviceLevels: [
      { code: 'CD_E_DELIVERY_*', subscriber: 'erp', withinHours: 1 },
      { eventType: 'InvoiceGenerated', withinHours: 4 },
      { code: 'CD_E_SCHEMA_*', withinHours: 0.5 },
    ],
    defaultWithinHours: 24,
    replay: { ratePerSecond: 1, maxReplays: 1, maxSelection: 1 },
  };
  const H = 3_600_000;
  it('takes the first entry that matches code, event type (short or full name) and subscriber', () => {
    expect(dueAtOf(settings, { code: 'CD_E_DELIVERY_REJECTED', subscriber: 'erp', lastFailedAt: 0 })).toBe(H);
    expect(dueAtOf(settings, { code: 'CD_E_DELIVERY_REJECTED', subscriber: 'tms', lastFailedAt: 0 })).toBe(
      24 * H,
    );
    expect(
      dueAtOf(settings, { code: 'X', eventType: 'com.crossdock.finance.InvoiceGenerated', lastFailedAt: 10 }),
    ).toBe(10 + 4 * H);
    expect(dueAtOf(settings, { code: 'CD_E_SCHEMA_UNKNOWN', lastFailedAt: 0 })).toBe(0.5 * H);
  });
});
