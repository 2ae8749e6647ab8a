import { formatTailRecord, resolveTailTarget, type TailRecord } from '../../../cli/tail';

/** `events tail`: what a name means, and how a record reads (cli/tail.ts). */
describe('resolveTailTarget', () => {
  const config = { hub: { topicPrefix: 'cd' }, subscribers: [{ id: 'erp' }, { id: 'tms' }] };
  const existing = new Set(['cd.deliver.erp', 'cd.dlq.router', 'cd.ingress.us-chi', 'other.topic']);

  it('a subscriber id is its deliver topic; a topic name is itself', () => {
    expect(resolveTailTarget('erp', config, existing)).toEqual({
      topic: 'cd.deliver.erp',
      subscriber: 'erp',
    });
    expect(resolveTailTarget('cd.dlq.router', config, existing)).toEqual({ topic: 'cd.dlq.router' });
    expect(resolveTailTarget('other.topic', config, existing)).toEqual({ topic: 'other.topic' });
  });

  it.each([
    ['tms', /subscriber tms's topic cd\.deliver\.tms does not exist yet/],
    ['cd.deliver.gone', /topic cd\.deliver\.gone does not exist/],
    [
      'nobody',
      /nobody is neither a subscriber of the configuration \(erp, tms\) nor a topic \(topic names start with cd\.\)/,
    ],
  ])('refuses %s with CD_E_TAIL_UNKNOWN_TARGET', (name, message) => {
    expect(() => resolveTailTarget(name, config, existing)).toThrow(
      expect.objectContaining({ code: 'CD_E_TAIL_UNKNOWN_TARGET', message: expect.stringMatching(message) }),
    );
  });
});

describe('formatTailRecord', () => {
  const base: TailRecord = {
    topic: 'cd.deliver.erp',
    partition: 2,
    offset: '41',
    timestamp: '2026-12-05T10:00:00.000Z',
    key: 'ORD-1',
    headers: { ce_id: 'e-1', ce_type: 'com.crossdock.order.OrderReleased' },
    bytes: 212,
  };

  it('a record without decoding: position, time, key, size and headers', () => {
    expect(formatTailRecord(base).split('\n')).toEqual([
      'cd.deliver.erp 2/41  2026-12-05T10:00:00.000Z  key ORD-1  212 bytes',
      '  ce_id: e-1',
      '  ce_type: com.crossdock.order.OrderReleased',
    ]);
  });

  it('a decoded event, masked; one withheld; one not decoded', () => {
    const masked = formatTailRecord({
      ...base,
      headers: {},
      event: {
        decoded: true,
        schemaId: 7,
        subject: 'com.crossdock.order.OrderReleased',
        eventType: 'OrderReleased',
        version: 2,
        masked: 'personal-fields',
        personalFields: ['customerName'],
        value: { orderId: 'ORD-1', customerName: '***' },
      },
    });
    expect(masked.split('\n')).toEqual([
      'cd.deliver.erp 2/41  2026-12-05T10:00:00.000Z  key ORD-1  212 bytes',
      '  event OrderReleased v2 schema id 7 (personal fields masked: customerName)',
      '    {',
      '      "orderId": "ORD-1",',
      '      "customerName": "***"',
      '    }',
    ]);
    expect(
      formatTailRecord({
        ...base,
        headers: {},
        event: { decoded: true, schemaId: 9, subject: 'x.Y', masked: 'withheld' },
      }),
    ).toContain('  event x.Y schema id 9: not in the catalog, value withheld (--show-personal shows it)');
    expect(
      formatTailRecord({
        ...base,
        key: null,
        headers: {},
        event: {
          decoded: false,
          code: 'CD_E_BAD_FRAMING',
          reason: 'not framed',
          bytes: 3,
          hex: '7b2261',
          masked: 'bytes',
        },
      }),
    ).toBe(
      'cd.deliver.erp 2/41  2026-12-05T10:00:00.000Z  key (none)  212 bytes\n  event not decoded: CD_E_BAD_FRAMING not framed (hex 7b2261…)',
    );
  });
});
