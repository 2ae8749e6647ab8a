import fs from 'node:fs';
import path from 'node:path';
import { RULE_IDS } from '../../../schemas/lint';
import { renderEventsMd } from '../../../schemas/docs';
import { GENERATED_TYPES_FILE, renderEventTypes } from '../../../schemas/typegen';
import { loadCatalog } from '../../../schemas';
import type {
  CanonicalEventInputs,
  CanonicalEvents,
  EventMetadataInput,
  InvoiceGeneratedV1,
  OrderReleasedV2,
} from '../../../schemas/generated/events';

const root = path.resolve(__dirname, '../../..');

describe('generated files are up to date', () => {
  it(`${GENERATED_TYPES_FILE} matches the schemas (run npm run gen:types)`, () => {
    expect(fs.readFileSync(path.join(root, GENERATED_TYPES_FILE), 'utf8')).toBe(renderEventTypes());
  });

  it('docs/events.md matches the catalog (run npm run docs)', () => {
    expect(fs.readFileSync(path.join(root, 'docs/events.md'), 'utf8')).toBe(renderEventsMd());
  });

  it('generated types describe every event type with its current version', () => {
    const text = renderEventTypes();
    for (const e of loadCatalog().entries)
      expect(text).toContain(`export interface ${e.eventType}V${e.versions.length} {`);
    // Compile-time check: the current OrderReleased is v2 and money is a string.
    const total: CanonicalEvents['OrderReleased']['orderTotal'] = '1.00';
    const channel: OrderReleasedV2['salesChannel'] = 'EDI';
    const due: InvoiceGeneratedV1['dueDate'] = '2026-12-23';
    expect([total, channel, due]).toEqual(['1.00', 'EDI', '2026-12-23']);
  });

  it('input types let producers leave defaulted fields out and pass ISO strings for timestamps', () => {
    const text = renderEventTypes();
    expect(text).toContain('  salesChannel?: OrderReleasedV2SalesChannel;\n');
    expect(text).toContain('  causationId?: null | string;\n');
    const meta: EventMetadataInput = {
      eventId: 'e',
      eventType: 'OrderReleased',
      occurredAt: '2026-11-20T14:03:27.512Z',
      siteId: 'us-chi',
      sourceSystem: 'sap',
      correlationId: 'c',
    };
    const current: CanonicalEventInputs['OrderReleased']['metadata'] = meta;
    expect(current.causationId).toBeUndefined();
  });

  it('every rule id has a section with its reason in docs/schemas.md, and nothing else does', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/schemas.md'), 'utf8');
    const documented = [...doc.matchAll(/^### ([a-z0-9-]+)$/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...RULE_IDS].sort());
  });
});
