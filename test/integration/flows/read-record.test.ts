import { toJsonSafe } from '../../../core/avro';
import { createSchemaResolver } from '../../../core/registry';
import { readRecordValue } from '../../../flows/feed/read-record';
import { encodeEvent, loadCatalog } from '../../../schemas';
import { testEndpoints } from '../../helpers/stack';
import { sampleEvent } from '../router/events';

/**
 * What the feed reads of a record when it is told which fields its sinks read (`eventFields`, what
 * crossdock start gives it from the flows): `metadata` and those fields, decoded exactly as the
 * whole event decodes them (timestamps, decimals), the rest skipped; eventId, type, version,
 * occurredAt and correlation id as from the whole event. Against the stack's registry.
 */
describe('flows/feed readRecordValue with eventFields', () => {
  const catalog = loadCatalog();
  const registry = testEndpoints().registry;
  const resolver = createSchemaResolver(registry);
  const deps = { resolver, catalog: () => catalog };

  it('keeps metadata and the named fields only, each as the whole event has it; a type with none keeps metadata', async () => {
    const occurredAt = new Date(Date.UTC(2026, 10, 2, 8, 30));
    const invoice = sampleEvent({ eventType: 'InvoiceGenerated', occurredAt, seed: 7 });
    invoice.totalAmount = '-125.50';
    invoice.metadata.correlationId = 'corr-1';
    const value = await encodeEvent(
      registry.url,
      catalog.byEventType('InvoiceGenerated')!,
      undefined,
      invoice,
    );

    const whole = await readRecordValue(deps, value, true);
    const eventFields = (t: string) => (t === 'InvoiceGenerated' ? ['orderId', 'totalAmount'] : []);
    const some = await readRecordValue({ ...deps, eventFields }, value, true);

    expect(Object.keys(whole.event!).length).toBeGreaterThan(3);
    expect(Object.keys(some.event!).sort()).toEqual(['metadata', 'orderId', 'totalAmount']);
    expect(some.event).toEqual({
      metadata: whole.event!.metadata,
      orderId: whole.event!.orderId,
      totalAmount: '-125.50',
    });
    expect(some.event!.metadata).toMatchObject({ occurredAt: occurredAt.toISOString() });
    const { event: _w, ...wholeRest } = whole;
    const { event: _s, ...someRest } = some;
    expect(someRest).toEqual(wholeRest);
    expect(some).toMatchObject({
      eventId: invoice.metadata.eventId,
      eventType: 'InvoiceGenerated',
      occurredAt: occurredAt.getTime(),
      correlationId: 'corr-1',
    });
    expect(some.failure).toBeUndefined();

    const shipment = sampleEvent({ eventType: 'ShipmentConfirmed', occurredAt, seed: 8 });
    const shipped = await readRecordValue(
      { ...deps, eventFields },
      await encodeEvent(registry.url, catalog.byEventType('ShipmentConfirmed')!, undefined, shipment),
      true,
    );
    expect(shipped.event).toEqual({ metadata: toJsonSafe(shipment.metadata) });
  });

  it('a record read without its event (a rejected one) still gives its identity', async () => {
    const release = sampleEvent({ eventType: 'OrderReleased', seed: 9 });
    const value = await encodeEvent(registry.url, catalog.byEventType('OrderReleased')!, undefined, release);
    const r = await readRecordValue(deps, value, false);
    expect(r.event).toBeUndefined();
    expect(r).toMatchObject({
      eventId: release.metadata.eventId,
      eventType: 'OrderReleased',
      occurredAt: (release.metadata.occurredAt as Date).getTime(),
    });
  });
});
