import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventBody } from '../../../connectors/sdk';
import { testSiteFile } from '../../../connectors/sources/site-test';
import { seededRandom } from '../../../core/random';
import { createBusiness, type BadKind, type BusinessEvent } from '../../../demo/business';
import { CSV_DIALECTS, csvFile, csvRows } from '../../../demo/sites/csv';
import { localDecimal, localTime } from '../../../demo/sites/format';
import { HTTP_DIALECTS, httpTypes } from '../../../demo/sites/http';

/**
 * The simulated sites write what their real mapping (sites/<id>/mapping.yaml) reads: each record
 * goes through `crossdock site test`'s code and must come out as the canonical order it was made
 * from, and each mistake must be refused with its code.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-sites-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function orders(siteId: string, n: number): Array<BusinessEvent<'OrderReleased'>> {
  const b = createBusiness({
    sites: [{ siteId, types: ['OrderReleased'], badKinds: [] }],
    random: seededRandom(9),
    badShare: 0,
  });
  return Array.from(
    { length: n },
    () => b.next(new Date('2026-12-05T12:00:00Z')) as BusinessEvent<'OrderReleased'>,
  );
}

type Canonical = {
  orderId: string;
  orderTotal: string;
  currency: string;
  metadata: { occurredAt: string };
  lines: Array<{ sku: string; quantity: string; unitOfMeasure: string; lineAmount: string }>;
};

function expectSame(got: Canonical, want: BusinessEvent<'OrderReleased'>, precision: 'second' | 'minute') {
  const o = want.body as EventBody<'OrderReleased'>;
  expect(got.orderId).toBe(o.orderId);
  expect(Number(got.orderTotal)).toBe(Number(o.orderTotal));
  expect(got.currency).toBe(o.currency);
  expect(got.lines.map((l) => [l.sku, Number(l.quantity), l.unitOfMeasure, Number(l.lineAmount)])).toEqual(
    o.lines.map((l) => [l.sku, Number(l.quantity), l.unitOfMeasure, Number(l.lineAmount)]),
  );
  const unit = precision === 'second' ? 1000 : 60_000;
  expect(Date.parse(got.metadata.occurredAt)).toBe(Math.floor(want.occurredAt.getTime() / unit) * unit);
}

describe('demo sites write their own formats', () => {
  it.each(Object.keys(HTTP_DIALECTS))(
    '%s posts JSON its mapping reads back to the canonical order',
    (siteId) => {
      const made = orders(siteId, 5);
      const file = path.join(dir, `${siteId}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify(made.map((e) => HTTP_DIALECTS[siteId]!.record(e.body, e.occurredAt, undefined))),
      );
      const result = testSiteFile(siteId, file);
      expect(result.problems).toEqual([]);
      made.forEach((e, i) =>
        expectSame(result.events[i] as Canonical, e, siteId === 'mx-mty' ? 'minute' : 'second'),
      );
    },
  );

  it.each(Object.keys(CSV_DIALECTS))(
    '%s exports CSV its mapping reads back to the canonical orders',
    (siteId) => {
      const d = CSV_DIALECTS[siteId]!;
      const made = orders(siteId, 4);
      const file = path.join(dir, `${siteId}.csv`);
      fs.writeFileSync(
        file,
        csvFile(
          d,
          made.flatMap((e) => csvRows(d, e.body, e.occurredAt, undefined)),
        ),
      );
      const result = testSiteFile(siteId, file);
      expect(result.problems).toEqual([]);
      made.forEach((e, i) =>
        expectSame(result.events[i] as Canonical, e, d.timestamp.includes('ss') ? 'second' : 'minute'),
      );
    },
  );

  it.each(['us-chi', 'us-nwk'])(
    "%s posts its cloud ERP's hold webhooks, read back into the order's flow",
    (siteId) => {
      const b = createBusiness({
        sites: [{ siteId, types: httpTypes(siteId), badKinds: [] }],
        random: seededRandom(4),
        badShare: 0,
      });
      // 50 ms apart: the holds happen (on the demo's clock) after their orders' releases.
      const t0 = Date.parse('2026-12-05T12:00:00Z');
      const events = Array.from({ length: 400 }, (_, i) => b.next(new Date(t0 + i * 50)));
      const holds = events.filter(
        (e): e is BusinessEvent<'OrderHoldPlaced' | 'OrderHoldReleased'> =>
          e.type === 'OrderHoldPlaced' || e.type === 'OrderHoldReleased',
      );
      expect(holds.length).toBeGreaterThan(4);
      const file = path.join(dir, `${siteId}-holds.json`);
      fs.writeFileSync(
        file,
        JSON.stringify(holds.map((e) => HTTP_DIALECTS[siteId]!.hold!(e, `flow-${e.correlationId}`))),
      );
      const result = testSiteFile(siteId, file);
      expect(result.problems).toEqual([]);
      holds.forEach((e, i) => {
        const got = result.events[i] as Record<string, unknown> & {
          metadata: { eventType: string; correlationId: string };
        };
        expect(got.metadata.eventType).toBe(e.type);
        expect(got.metadata.correlationId).toBe(`flow-${e.correlationId}`);
        const want = e.body as Record<string, unknown>;
        for (const k of ['orderId', 'holdId', 'holdReason'] as const) expect(got[k]).toBe(want[k]);
        if (e.type === 'OrderHoldReleased') {
          expect(got.resolution).toBe(want.resolution);
          expect(Date.parse(String(got.heldSince))).toBe(
            Math.floor(new Date(String(want.heldSince)).getTime() / 1000) * 1000,
          );
        } else expect(Number(got.amountAtRisk)).toBe(Number(want.amountAtRisk));
      });
    },
  );

  const httpMistakes: Array<[string, BadKind, string]> = [
    ['us-chi', 'bad-date', 'CD_E_INPUT_BAD_DATE'],
    ['us-nwk', 'bad-date', 'CD_E_INPUT_BAD_DATE'],
    ['mx-mty', 'bad-date', 'CD_E_INPUT_BAD_DATE'],
    ['us-chi', 'unknown-uom', 'CD_E_INPUT_UNKNOWN_CODE'],
    ['mx-mty', 'unknown-uom', 'CD_E_INPUT_UNKNOWN_CODE'],
  ];
  it.each(httpMistakes)('%s with a mistake (%s) is refused with %s', (siteId, bad, code) => {
    const [e] = orders(siteId, 1);
    const file = path.join(dir, `${siteId}-${bad}.json`);
    fs.writeFileSync(file, JSON.stringify(HTTP_DIALECTS[siteId]!.record(e!.body, e!.occurredAt, bad)));
    expect(testSiteFile(siteId, file).problems.map((p) => p.code)).toContain(code);
  });

  it.each(Object.keys(CSV_DIALECTS))('%s: a bad date or a missing column rejects the export', (siteId) => {
    const d = CSV_DIALECTS[siteId]!;
    const [e] = orders(siteId, 1);
    const badDate = path.join(dir, `${siteId}-date.csv`);
    fs.writeFileSync(badDate, csvFile(d, csvRows(d, e!.body, e!.occurredAt, 'bad-date')));
    expect(testSiteFile(siteId, badDate).problems.map((p) => p.code)).toContain('CD_E_INPUT_BAD_DATE');
    const noCurrency = path.join(dir, `${siteId}-header.csv`);
    fs.writeFileSync(
      noCurrency,
      csvFile(
        d,
        csvRows(d, e!.body, e!.occurredAt, undefined),
        d.header.filter((c) => c !== 'currency'),
      ),
    );
    expect(testSiteFile(siteId, noCurrency).problems.map((p) => p.code)).toContain('CD_E_CSV_BAD_HEADER');
  });
});

describe('site formats', () => {
  it('writes local times in a fixed offset and decimals with the site separators', () => {
    const at = new Date('2026-12-05T03:04:05Z');
    expect(localTime(at, 'dd.MM.yyyy HH:mm', '-06:00')).toBe('04.12.2026 21:04');
    expect(localTime(at, 'MM/dd/yyyy HH:mm:ss', '+01:30')).toBe('12/05/2026 04:34:05');
    expect(localDecimal('1234567.50', ',', '.')).toBe('1.234.567,50');
    expect(localDecimal('-12.5', '.', ',')).toBe('-12.5');
    expect(localDecimal('999', '.', ',')).toBe('999');
  });
});
