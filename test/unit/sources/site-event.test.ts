import { businessKey, loadCatalog } from '../../../schemas';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import { createSiteEventEncoder } from '../../../connectors/sources';
import { atlOrderReleased } from '../../helpers/orders';

/** The SDK's encoding (createSiteEventEncoder): envelope, key, headers and framing, no Kafka. */
describe('createSiteEventEncoder', () => {
  const encoder = createSiteEventEncoder({
    siteId: 'us-atl',
    sourceSystem: 'wms-x',
    topicPrefix: 'tp',
    ids: () => 7,
    codec: createCatalogCodec({ ids: () => 7 }),
  });
  const body = atlOrderReleased();
  const occurredAt = new Date('2026-03-01T10:00:00.000Z');

  it("writes to the site's own ingress topic", () => {
    expect(encoder.topic).toBe('tp.ingress.us-atl');
  });

  it('fills the envelope: metadata, business key, CloudEvents headers, Confluent frame', async () => {
    const e = await encoder.encode('OrderReleased', body, {
      eventId: '0b7f2c5e-8f51-4c43-9d55-1d6e4a0f5b10',
      occurredAt,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const entry = loadCatalog().byEventType('OrderReleased')!;
    expect(e.eventId).toBe('0b7f2c5e-8f51-4c43-9d55-1d6e4a0f5b10');
    expect(e.correlationId).toBe(e.eventId);
    expect(e.key).toBe(businessKey(entry, body));
    expect(e.message.key).toBe(e.key);
    expect(e.message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: e.eventId,
      ce_type: entry.subject,
      ce_source: 'crossdock://sites/us-atl/wms-x',
      ce_time: '2026-03-01T10:00:00.000Z',
      ce_subject: e.key,
      'content-type': 'application/avro',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const value = e.message.value as Buffer;
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(7);
  });

  it('keeps a given correlationId and makes an eventId when none is given', async () => {
    const e = await encoder.encode('OrderReleased', body, { occurredAt, correlationId: 'flow-1' });
    expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.correlationId).toBe('flow-1');
  });

  it('refuses an unknown type and a body that does not fit, with codes and paths', async () => {
    await expect(encoder.encode('OrderTeleported', body, { occurredAt })).rejects.toMatchObject({
      code: 'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
    });
    await expect(
      encoder.encode('OrderReleased', { ...body, orderTotal: 20.5 }, { occurredAt }),
    ).rejects.toMatchObject({
      code: 'CD_E_INPUT_REJECTED',
      details: { problems: [expect.objectContaining({ path: 'orderTotal' })] },
    });
  });
});
