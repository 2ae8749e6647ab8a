import type { DeadLetterRecord, DeadLetterState } from '../../../dlq';

/** A delivery dead letter of subscriber `erp`, open, never replayed; fields override. */
export function deliveryLetter(overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  return {
    id: 'p.dlq.deliver.erp:0:7',
    topic: 'p.dlq.deliver.erp',
    partition: 0,
    offset: '7',
    kind: 'deliver',
    code: 'CD_E_DELIVERY_REJECTED',
    message: 'HTTP 400',
    stage: 'deliver.http',
    site: 'us-chi',
    subscriber: 'erp',
    eventType: 'com.crossdock.order.OrderHoldPlaced',
    eventId: '3f0c2b9e-1d3a-4c55-9a41-6a0d2a1f9b10',
    attempts: 1,
    firstFailedAt: 1_700_000_000_000,
    lastFailedAt: 1_700_000_000_000,
    original: { topic: 'p.deliver.erp', partition: 0, offset: '12' },
    replayCount: 0,
    group: 'CD_E_DELIVERY_REJECTED|us-chi|erp|-',
    indexedAt: 1_700_000_000_100,
    state: 'new' as DeadLetterState,
    notes: [],
    replays: [],
    updatedAt: 1_700_000_000_100,
    updatedBy: 'indexer',
    ...overrides,
  };
}

/** A router dead letter read from the ingress topic of us-chi. */
export function routerLetter(overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  const { subscriber: _drop, ...base } = deliveryLetter();
  return {
    ...base,
    id: 'p.dlq.router:0:3',
    topic: 'p.dlq.router',
    offset: '3',
    kind: 'router',
    code: 'CD_E_UNKNOWN_SCHEMA_VERSION',
    stage: 'router.schema',
    group: 'CD_E_UNKNOWN_SCHEMA_VERSION|us-chi|-|-',
    original: { topic: 'p.ingress.us-chi', partition: 1, offset: '40' },
    ...overrides,
  };
}
