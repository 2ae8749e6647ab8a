import avsc from 'avsc';
import fs from 'node:fs';
import path from 'node:path';
import { avroType, toJsonSafe } from '../../../core/avro';
import {
  businessKey,
  currentVersion,
  exampleEvent,
  loadCatalog,
  METADATA_TYPE,
  readCatalog,
} from '../../../schemas';
import { SchemaSandbox } from './sandbox';

const REQUIRED = [
  'OrderReleased',
  'OrderHoldPlaced',
  'OrderHoldReleased',
  'InventoryAdjusted',
  'InventoryTransferApproved',
  'ReplenishmentRequested',
  'ShipmentConfirmed',
  'InvoiceGenerated',
  'ReturnAuthorized',
  'IntercompanyTransferPosted',
  'OrderExceptionRaised',
];

describe('loadCatalog', () => {
  const catalog = loadCatalog();

  it('has the eleven event types, each with a record-name subject and lookups both ways', () => {
    for (const t of REQUIRED) {
      const e = catalog.byEventType(t);
      expect(e).toBeDefined();
      expect(e!.subject).toBe(`com.crossdock.${e!.domain}.${t}`);
      expect(catalog.bySubject(e!.subject)).toBe(e);
    }
    expect(catalog.byEventType('NoSuchEvent')).toBeUndefined();
  });

  it('is cached per folder', () => {
    expect(loadCatalog()).toBe(catalog);
  });

  it('gives standalone schemas: plain avsc (no shared registry, no logical types) parses each one', () => {
    for (const e of catalog.entries) {
      for (const v of e.versions) {
        const t = avsc.Type.forSchema(v.schema as avsc.Schema, { registry: {} }) as avsc.types.RecordType;
        expect(t.name).toBe(e.subject);
        const meta = (v.schema as { fields: Array<{ name: string; type: { name?: string } }> }).fields[0]!;
        expect(meta.name).toBe('metadata');
        expect(`com.crossdock.common.${meta.type.name}`).toBe(METADATA_TYPE);
      }
    }
  });

  it('a finance event uses a stricter mode than the BACKWARD default', () => {
    expect(catalog.byEventType('InvoiceGenerated')!.compatibility).toBe('FULL_TRANSITIVE');
    expect(catalog.byEventType('OrderHoldPlaced')!.compatibility).toBe('BACKWARD');
  });

  it('lists personal data paths, through nested records and arrays', () => {
    expect(catalog.byEventType('OrderReleased')!.personalDataFields).toEqual(
      expect.arrayContaining(['customerName', 'shipTo.email', 'shipTo.phone', 'shipTo.line1']),
    );
    expect(catalog.byEventType('InvoiceGenerated')!.personalDataFields).toEqual(
      expect.arrayContaining(['billTo.name', 'billingEmail']),
    );
    expect(catalog.byEventType('InventoryAdjusted')!.personalDataFields).toEqual([]);
  });

  it('version status and dates come from the catalog; the current version is the newest active one', () => {
    const e = catalog.byEventType('OrderReleased')!;
    expect(e.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'deprecated'],
      [2, 'active'],
    ]);
    expect(e.versions[0]!.retireAfter).toBe('2027-06-30');
    expect(currentVersion(e)!.version).toBe(2);
  });

  it('every example encodes with its current version and has a business key', () => {
    for (const e of catalog.entries) {
      const ev = exampleEvent(e.eventType);
      const type = avroType(currentVersion(e)!.schema);
      expect(type.isValid(ev)).toBe(true);
      const decoded = type.fromBuffer(type.toBuffer(ev)) as Record<string, unknown>;
      expect(businessKey(e, decoded).length).toBeGreaterThan(0);
      expect((decoded.metadata as { eventType: string }).eventType).toBe(e.eventType);
    }
    expect(businessKey(catalog.byEventType('InventoryAdjusted')!, exampleEvent('InventoryAdjusted'))).toBe(
      'CMP-3T-R410|us-chi',
    );
  });

  it('examples are in canonical JSON form: encode → decode → toJsonSafe gives them back exactly', () => {
    for (const e of catalog.entries) {
      const ev = exampleEvent(e.eventType);
      const type = avroType(currentVersion(e)!.schema);
      expect(toJsonSafe(type.fromBuffer(type.toBuffer(ev)))).toEqual(ev);
    }
  });

  it('throws CD_E_CATALOG_INVALID with every problem when the folder does not load', () => {
    const s = new SchemaSandbox();
    try {
      fs.writeFileSync(path.join(s.dir, 'order/OrderHoldPlaced/v1.avsc'), '{ not json');
      s.editEntry('ShipmentConfirmed', (e) => void (e.compatibility = 'SOMETIMES'));
      expect(readCatalog(s.dir).problems.length).toBeGreaterThan(0);
      expect(() => loadCatalog(s.dir)).toThrow(
        expect.objectContaining({
          code: 'CD_E_CATALOG_INVALID',
          message: expect.stringContaining('compatibility'),
        }),
      );
    } finally {
      s.remove();
    }
  });
});
