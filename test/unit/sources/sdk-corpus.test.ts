import { createSiteProducer, type EventBody } from '../../../connectors/sdk';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import { atlOrderReleased } from '../../helpers/orders';

/**
 * The SDK's bad-input corpus: every kind is refused before anything is sent (the producer is never
 * connected here), with a stable code and the field path in the message.
 */
describe('SDK bad-input corpus (refused before sending)', () => {
  const producer = createSiteProducer({
    siteId: 'us-atl',
    brokers: ['127.0.0.1:1'],
    sasl: { mechanism: 'scram-sha-512', username: 'site-us-atl', password: 'unused' },
    registryUrl: 'http://127.0.0.1:1',
    codec: createCatalogCodec({ ids: () => 1 }),
  });
  const good = atlOrderReleased();
  const line = good.lines[0]!;
  const bad = (over: Record<string, unknown>) =>
    ({ ...good, ...over }) as unknown as EventBody<'OrderReleased'>;

  const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
    [
      'an unknown event type',
      () => producer.publish('OrderTeleported' as 'OrderReleased', good),
      'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
      /OrderTeleported/,
    ],
    [
      'a missing required field',
      () => producer.publish('OrderReleased', bad({ customerId: undefined })),
      'CD_E_INPUT_REJECTED',
      /customerId/,
    ],
    [
      'a number where text is expected',
      () => producer.publish('OrderReleased', bad({ warehouseId: 42 })),
      'CD_E_INPUT_REJECTED',
      /warehouseId/,
    ],
    [
      'a float for a decimal',
      () => producer.publish('OrderReleased', bad({ orderTotal: 20.5 })),
      'CD_E_INPUT_REJECTED',
      /orderTotal/,
    ],
    [
      'too many decimal places',
      () => producer.publish('OrderReleased', bad({ orderTotal: '20.001' })),
      'CD_E_INPUT_REJECTED',
      /orderTotal/,
    ],
    [
      'a decimal that is not a number',
      () => producer.publish('OrderReleased', bad({ orderTotal: 'twenty' })),
      'CD_E_INPUT_REJECTED',
      /orderTotal/,
    ],
    [
      'an impossible date',
      () => producer.publish('OrderReleased', bad({ requestedShipDate: '2026-02-30' })),
      'CD_E_INPUT_REJECTED',
      /requestedShipDate/,
    ],
    [
      'a date in another format',
      () => producer.publish('OrderReleased', bad({ requestedShipDate: '04.03.2026' })),
      'CD_E_INPUT_REJECTED',
      /requestedShipDate/,
    ],
    [
      'an unknown enum symbol',
      () => producer.publish('OrderReleased', bad({ salesChannel: 'CARRIER_PIGEON' })),
      'CD_E_INPUT_REJECTED',
      /salesChannel/,
    ],
    [
      'a nested field of the wrong type',
      () => producer.publish('OrderReleased', bad({ shipTo: { ...good.shipTo, city: 7 } })),
      'CD_E_INPUT_REJECTED',
      /shipTo\.city/,
    ],
    [
      'a line with a wrong type',
      () => producer.publish('OrderReleased', bad({ lines: [{ ...line, lineNumber: 'one' }] })),
      'CD_E_INPUT_REJECTED',
      /lines\.0\.lineNumber/,
    ],
    [
      'lines that are not an array',
      () => producer.publish('OrderReleased', bad({ lines: { 0: line } })),
      'CD_E_INPUT_REJECTED',
      /lines/,
    ],
    [
      'an eventId that is not a UUID',
      () => producer.publish('OrderReleased', good, { eventId: 'not-a-uuid' }),
      'CD_E_INPUT_REJECTED',
      /eventId/,
    ],
    [
      'an invalid occurredAt',
      () => producer.publish('OrderReleased', good, { occurredAt: new Date('nope') }),
      'CD_E_INPUT_REJECTED',
      /occurredAt/,
    ],
    [
      'a null where a value is required',
      () => producer.publish('OrderReleased', bad({ currency: null })),
      'CD_E_INPUT_REJECTED',
      /currency/,
    ],
    [
      'an empty business key',
      () => producer.publish('OrderReleased', bad({ orderId: '' })),
      'CD_E_MISSING_BUSINESS_KEY',
      /orderId/,
    ],
  ];

  it.each(cases)('%s', async (_what, call, code, path) => {
    const err = (await call().then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: string; message?: string } | undefined;
    expect(err).toBeDefined();
    expect(err!.code).toBe(code);
    expect(err!.message).toMatch(path);
  });
});
