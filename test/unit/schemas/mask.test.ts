import { exampleEvent, loadCatalog, maskPersonalData } from '../../../schemas';

describe('maskPersonalData', () => {
  const catalog = loadCatalog();

  it('masks every field marked pii, in nested records, and leaves the rest and the original alone', () => {
    const entry = catalog.byEventType('InvoiceGenerated')!;
    const ev = exampleEvent('InvoiceGenerated');
    const masked = maskPersonalData(entry, ev) as typeof ev & { billTo: Record<string, unknown> };
    expect(masked.billTo).toMatchObject({
      name: '***',
      line1: '***',
      postalCode: '***',
      email: '***',
      city: 'Chicago',
      countryCode: 'US',
      line2: null,
    });
    expect(masked.billingEmail).toBe('***');
    expect(masked.totalAmount).toBe(ev.totalAmount);
    expect((ev.billTo as Record<string, unknown>).name).toBe('Dana Whitfield');
  });

  it('walks arrays and maps with the [] and {} path notation', () => {
    const entry = { personalDataFields: ['lines[].contactName', 'notes{}.author'] };
    const ev = {
      lines: [
        { contactName: 'A', sku: 'S' },
        { contactName: null, sku: 'T' },
      ],
      notes: { a: { author: 'B', text: 'x' } },
    };
    expect(maskPersonalData(entry, ev)).toEqual({
      lines: [
        { contactName: '***', sku: 'S' },
        { contactName: null, sku: 'T' },
      ],
      notes: { a: { author: '***', text: 'x' } },
    });
  });

  it('every shipped event with personal data has it masked in its example', () => {
    for (const e of catalog.entries.filter((x) => x.personalDataFields.length)) {
      const text = JSON.stringify(maskPersonalData(e, exampleEvent(e.eventType)));
      expect(text).not.toMatch(/Dana Whitfield|@lakeshore-hvac\.example|\+1312/);
    }
  });
});
