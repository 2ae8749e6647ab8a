import fs from 'node:fs';
import path from 'node:path';
import { RULE_IDS } from '../../../schemas/lint';
import { renderEventsMd } from '../../../schemas/docs';
import { GENERATED_TYPES_FILE, renderEventTypes } from '../../../schemas/typegen';
import { loadCatalog } from '../../../schemas';
import { typeErrors } from './typecheck';

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
  });

  // @swc/jest strips types, so a typed assignment in this file proves nothing: the snippets below
  // are compiled by the TypeScript compiler against the types renderEventTypes() writes now.
  describe('the generated types accept what the codec produces and refuse what it does not', () => {
    const imports = `import type {
      CanonicalEventInputs, CanonicalEvents, EventMetadata, EventMetadataInput,
      InvoiceGeneratedV1, OrderReleasedV1, OrderReleasedV2,
    } from '../schemas/generated/events';\n`;
    const meta = `{ eventId: 'e', eventType: 'OrderReleased', occurredAt: '2026-11-20T14:03:27.512Z',
      siteId: 'us-chi', sourceSystem: 'sap', correlationId: 'c' }`;
    const snippets: Record<string, string> = {
      good: `
        export const total: CanonicalEvents['OrderReleased']['orderTotal'] = '1.00';
        export const channel: OrderReleasedV2['salesChannel'] = 'EDI';
        export const due: InvoiceGeneratedV1['dueDate'] = '2026-12-23';
        export const at: EventMetadata['occurredAt'] = new Date();
        export const input: EventMetadataInput = ${meta};
        export const current: CanonicalEventInputs['OrderReleased']['metadata'] = input;`,
      moneyAsNumber: `export const total: CanonicalEvents['OrderReleased']['orderTotal'] = 1;`,
      unknownChannel: `export const channel: OrderReleasedV2['salesChannel'] = 'FAX';`,
      currentIsNotV1: `export const e: CanonicalEvents['OrderReleased'] = {} as OrderReleasedV1;`,
      decodedTimeIsADate: `export const at: EventMetadata['occurredAt'] = '2026-11-20T14:03:27.512Z';`,
      decodedHasEveryField: `export const m: EventMetadata = { ...${meta}, occurredAt: new Date() };`,
      inputNeedsRequired: `export const m: EventMetadataInput = { eventId: 'e', eventType: 'OrderReleased' };`,
    };
    const errors = typeErrors(
      { 'schemas/generated/events.ts': renderEventTypes() },
      Object.fromEntries(Object.entries(snippets).map(([name, body]) => [name, imports + body])),
    );

    it('a snippet that uses them as documented compiles', () => {
      expect(errors.good).toEqual([]);
    });

    // Each bad snippet fails for its own reason, not for a broken import.
    it.each([
      ['moneyAsNumber', "Type 'number' is not assignable to type 'string'"],
      ['unknownChannel', `Type '"FAX"' is not assignable`],
      ['currentIsNotV1', "from type 'OrderReleasedV2': salesChannel"],
      ['decodedTimeIsADate', "Type 'string' is not assignable to type 'Date'"],
      ['decodedHasEveryField', "Property 'causationId' is missing"],
      ['inputNeedsRequired', 'is missing the following properties'],
    ])('%s does not compile', (name, message) => {
      expect(errors[name]).toEqual([expect.stringContaining(message)]);
    });
  });

  it('input types let producers leave defaulted fields out', () => {
    const text = renderEventTypes();
    expect(text).toContain('  salesChannel?: OrderReleasedV2SalesChannel;\n');
    expect(text).toContain('  causationId?: null | string;\n');
  });

  it('every rule id has a section with its reason in docs/schemas.md, and nothing else does', () => {
    const doc = fs.readFileSync(path.join(root, 'docs/schemas.md'), 'utf8');
    const documented = [...doc.matchAll(/^### ([a-z0-9-]+)$/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...RULE_IDS].sort());
  });
});
