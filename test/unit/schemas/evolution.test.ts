import { avroType } from '../../../core/avro';
import type { SchemaResolver } from '../../../core/registry';
import { decodeEvent, encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';

/** OrderReleased v2 (salesChannel enum with a default, optional promisedDeliveryDate) beside v1. */
describe('OrderReleased v1 ⇄ v2', () => {
  const catalog = loadCatalog();
  const entry = catalog.byEventType('OrderReleased')!;
  const [v1, v2] = entry.versions;
  const ids = new Map([
    [1, 101],
    [2, 102],
  ]);
  // An in-memory registry: schema id → the version's schema (as the real one would answer).
  const resolver: SchemaResolver = {
    getSchemaById: async (id) => {
      const v = entry.versions.find((x) => ids.get(x.version) === id)!;
      return { schema: v.schema, type: avroType(v.schema), subject: entry.subject };
    },
  };
  const lookup = (_s: string, v: { version: number }) => ids.get(v.version)!;

  const v2Event = exampleEvent('OrderReleased');
  const v1Event = (() => {
    const e = { ...v2Event };
    delete e.salesChannel;
    delete e.promisedDeliveryDate;
    return e;
  })();

  it('v1 data read by a v2 reader gets the defaults (BACKWARD)', async () => {
    const bytes = await encodeEvent(lookup, entry, 1, v1Event);
    const d = await decodeEvent(resolver, bytes, { catalog, readAs: 2 });
    expect(d.version).toBe(1);
    expect(d.event.salesChannel).toBe('UNKNOWN');
    expect(d.event.promisedDeliveryDate).toBeNull();
    expect(d.event.orderTotal).toBe('2621.80');
  });

  it('v2 data read by a v1 reader drops the new fields (the mode also holds forward)', async () => {
    const bytes = await encodeEvent(lookup, entry, 2, v2Event);
    const d = await decodeEvent(resolver, bytes, { catalog, readAs: 1 });
    expect(d.version).toBe(2);
    expect(d.event).not.toHaveProperty('salesChannel');
    expect(d.event.orderId).toBe('CHI-100234');
    expect((d.event.lines as Array<{ unitPrice: string }>)[0]!.unitPrice).toBe('612.2500');
  });

  it('the default encode version is the newest active (v2), and v2 readers read it as written', async () => {
    const bytes = await encodeEvent(lookup, entry, undefined, v2Event);
    expect(bytes.readUInt32BE(1)).toBe(102);
    const d = await decodeEvent(resolver, bytes, { catalog });
    expect(d.event.salesChannel).toBe('EDI');
    expect(d.event.promisedDeliveryDate).toBe('2026-11-25');
    expect((d.event.metadata as { occurredAt: Date }).occurredAt).toEqual(
      new Date('2026-11-20T14:03:27.512Z'),
    );
  });

  it('an unknown sales channel symbol from a future version reads as the enum default', () => {
    const future = JSON.parse(JSON.stringify(v2!.schema)) as {
      fields: Array<{ name: string; type: { symbols: string[] } }>;
    };
    future.fields.find((f) => f.name === 'salesChannel')!.type.symbols.push('VOICE_ASSISTANT');
    const writer = avroType(future);
    const reader = avroType(v2!.schema);
    const bytes = writer.toBuffer({ ...v2Event, salesChannel: 'VOICE_ASSISTANT' });
    expect(
      (reader.fromBuffer(bytes, reader.createResolver(writer)) as { salesChannel: string }).salesChannel,
    ).toBe('UNKNOWN');
  });

  it('v1 has no salesChannel field: the enum and its default came with v2', () => {
    const fields = (v: typeof v1) =>
      (v!.schema as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
    expect(fields(v1)).not.toContain('salesChannel');
    expect(fields(v2)).toContain('salesChannel');
  });

  it('encode errors name each bad field path (CD_E_EVENT_INVALID)', async () => {
    const bad = { ...v2Event, orderTotal: 2621.8, salesChannel: 'FAX' };
    await expect(encodeEvent(lookup, entry, undefined, bad)).rejects.toMatchObject({
      code: 'CD_E_EVENT_INVALID',
      details: {
        problems: expect.arrayContaining([
          expect.objectContaining({ path: 'orderTotal' }),
          expect.objectContaining({ path: 'salesChannel' }),
        ]),
      },
    });
  });

  it('decode refuses bytes that are not Confluent-framed (CD_E_BAD_FRAMING)', async () => {
    await expect(decodeEvent(resolver, Buffer.from('{"orderId":1}'))).rejects.toMatchObject({
      code: 'CD_E_BAD_FRAMING',
    });
  });

  it('decode of a truncated body is CD_E_UNDECODABLE_EVENT', async () => {
    const bytes = await encodeEvent(lookup, entry, 2, v2Event);
    await expect(decodeEvent(resolver, bytes.subarray(0, 20))).rejects.toMatchObject({
      code: 'CD_E_UNDECODABLE_EVENT',
    });
  });
});
