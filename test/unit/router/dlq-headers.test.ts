import { deadLetterHeaders, DLQ_HEADERS, headersToStrings } from '../../../core/dead-letters';

describe('dead-letter headers', () => {
  it('carry the reason and origin, and copy the CloudEvents and trace headers untouched', () => {
    const original = {
      ce_id: Buffer.from('id-1'),
      ce_type: 'OrderReleased',
      traceparent: '00-abc-def-01',
      'x-other': 'dropped',
      'content-type': 'application/avro',
    };
    const h = deadLetterHeaders(
      {
        code: 'CD_E_SITE_MISMATCH',
        message: 'line one\nline two',
        stage: 'router.metadata',
        lastFailedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
        original: { topic: 'cd.ingress.us-chi', partition: 3, offset: '42' },
      },
      original,
    );
    expect(headersToStrings(h)).toEqual({
      ce_id: 'id-1',
      ce_type: 'OrderReleased',
      traceparent: '00-abc-def-01',
      'content-type': 'application/avro',
      [DLQ_HEADERS.code]: 'CD_E_SITE_MISMATCH',
      [DLQ_HEADERS.message]: 'line one line two',
      [DLQ_HEADERS.stage]: 'router.metadata',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.firstFailedAt]: '2026-01-02T03:04:05.000Z',
      [DLQ_HEADERS.lastFailedAt]: '2026-01-02T03:04:05.000Z',
      [DLQ_HEADERS.originalTopic]: 'cd.ingress.us-chi',
      [DLQ_HEADERS.originalPartition]: '3',
      [DLQ_HEADERS.originalOffset]: '42',
    });
    expect(h.ce_id).toBe(original.ce_id);
  });

  it('names the subscriber and attempts for delivery dead letters and bounds the message', () => {
    const h = headersToStrings(
      deadLetterHeaders(
        {
          code: 'CD_E_X',
          message: 'x'.repeat(5000),
          stage: 'deliver.http',
          attempts: 7,
          firstFailedAt: 0,
          lastFailedAt: 1000,
          subscriber: 'erp',
          original: { topic: 't', partition: 0, offset: '1' },
        },
        undefined,
      ),
    );
    expect(h).toMatchObject({
      'cd-subscriber': 'erp',
      'cd-attempts': '7',
      'cd-first-failed-at': '1970-01-01T00:00:00.000Z',
    });
    expect(h['cd-error-message']!.length).toBe(1024);
  });

  it('name the broken data rule when there is one', () => {
    const reason = {
      code: 'CD_E_RULE_VIOLATION',
      message: 'rule positive-qty: lines.0.qty must be >= 1',
      stage: 'router.rules',
      lastFailedAt: 1000,
      original: { topic: 't', partition: 0, offset: '1' },
    };
    expect(headersToStrings(deadLetterHeaders({ ...reason, rule: 'positive-qty' }, undefined))).toMatchObject(
      {
        [DLQ_HEADERS.rule]: 'positive-qty',
      },
    );
    expect(headersToStrings(deadLetterHeaders(reason, undefined))[DLQ_HEADERS.rule]).toBeUndefined();
  });
});
