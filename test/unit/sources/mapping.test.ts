import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMapping, mapRecord } from '../../../connectors/sources/mapping/engine';
import { loadSiteMappings, mergeMapping } from '../../../connectors/sources/mapping/load';
import { DEFAULT_DIALECT, type SiteMappings } from '../../../connectors/sources/mapping/types';
import { readDate, readDecimal, readTimestamp } from '../../../connectors/sources/mapping/values';
import { isCrossdockError } from '../../../core/errors';

describe('dialect values', () => {
  it('reads token dates and refuses impossible ones', () => {
    expect(readDate('04.03.2026', 'dd.MM.yyyy')).toEqual({ ok: true, value: '2026-03-04' });
    expect(readDate('31.02.2026', 'dd.MM.yyyy').ok).toBe(false);
    expect(readDate('2026-02-29', 'yyyy-MM-dd').ok).toBe(false);
    expect(readDate('2028-02-29', 'yyyy-MM-dd')).toEqual({ ok: true, value: '2028-02-29' });
  });
  it('reads timestamps in the site offset, and ISO only with an offset', () => {
    const r = readTimestamp('02/03/2026 08:05', 'dd/MM/yyyy HH:mm', '-06:00');
    expect(r.ok && r.value.toISOString()).toBe('2026-03-02T14:05:00.000Z');
    expect(readTimestamp('2026-03-02T08:05:00', 'iso', '+00:00').ok).toBe(false);
    expect(readTimestamp('2026-03-02T25:05:00Z', 'iso', '+00:00').ok).toBe(false);
  });
  it('keeps decimals exact, with a decimal comma and thousands separators, never rounding', () => {
    expect(readDecimal('12.345,6', 2, ',', '.')).toEqual({ ok: true, value: '12345.60' });
    expect(readDecimal(39.9, 4, '.', '')).toEqual({ ok: true, value: '39.9000' });
    expect(readDecimal('1.005', 2, '.', '')).toMatchObject({ ok: false, code: 'CD_E_INPUT_OUT_OF_RANGE' });
    expect(readDecimal('abc', 2, '.', '').ok).toBe(false);
    expect(readDecimal('-0', 2, '.', '')).toEqual({ ok: true, value: '0.00' });
  });
});

const site: SiteMappings = {
  siteId: 's1',
  variant: 's1 < base',
  sourceSystem: 'erp',
  typeField: 'type',
  dialect: { ...DEFAULT_DIALECT },
  codes: { uom: { EA: 'EA' } },
  mappings: {
    A: {
      eventType: 'A',
      sourceType: 'a',
      occurredAt: { from: 'at', type: 'timestamp' },
      fields: {
        id: { from: 'id' },
        lines: {
          each: 'items',
          fields: { q: { from: 'q', type: 'decimal', min: 0 }, u: { from: 'u', codes: 'uom' } },
        },
      },
    },
    B: {
      eventType: 'B',
      sourceType: 'b',
      occurredAt: { from: 'at', type: 'timestamp' },
      fields: { n: { from: 'n', type: 'int' } },
    },
  },
};

describe('mapping engine', () => {
  it('collects every problem of a record with its source path', () => {
    const r = applyMapping(site, site.mappings.A!, { at: 'x', items: [{ q: '-1', u: 'ZZ' }, 'oops'] });
    expect(r.problems.map((p) => [p.source.join('.'), p.code])).toEqual([
      ['at', 'CD_E_INPUT_BAD_DATE'],
      ['id', 'CD_E_INPUT_MISSING_FIELD'],
      ['items.0.q', 'CD_E_INPUT_OUT_OF_RANGE'],
      ['items.0.u', 'CD_E_INPUT_UNKNOWN_CODE'],
      ['items.1', 'CD_E_INPUT_WRONG_TYPE'],
    ]);
  });
  it('refuses a value that is only an inherited property name as an unknown code', () => {
    for (const u of ['constructor', 'toString', '__proto__']) {
      const r = applyMapping(site, site.mappings.A!, {
        at: '2026-01-01T00:00:00Z',
        id: 'x',
        items: [{ q: '1', u }],
      });
      expect(r.problems.map((p) => [p.source.join('.'), p.code])).toEqual([
        ['items.0.u', 'CD_E_INPUT_UNKNOWN_CODE'],
      ]);
    }
  });
  it('selects the mapping by the record type field and refuses unknown types', () => {
    expect(mapRecord(site, { type: 'b', at: '2026-01-01T00:00:00Z', n: '7' }).body).toEqual({ n: 7 });
    expect(mapRecord(site, { type: 'zz' }).problems[0]).toMatchObject({
      code: 'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
      got: '"zz"',
    });
    expect(mapRecord(site, { at: 'x' }).problems[0]).toMatchObject({ code: 'CD_E_INPUT_MISSING_FIELD' });
  });
});

describe('variants', () => {
  it('merge objects key by key, replace scalars and remove keys set to null', () => {
    expect(mergeMapping({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3 }, d: [2], e: null })).toEqual({
      a: { b: 1, c: 3 },
      d: [2],
    });
    expect(mergeMapping({ a: { b: 1 } }, { a: { b: null } })).toEqual({ a: {} });
  });
  it('a site variant overrides only what differs from its base', () => {
    const mty = loadSiteMappings('mx-mty');
    expect(mty.variant).toBe('mx-mty < mx-erp < base');
    expect(mty.dialect.decimalSeparator).toBe(',');
    const f = mty.mappings.OrderReleased!.fields.orderTotal;
    expect(f).toEqual({ from: 'total', type: 'decimal', scale: 2, min: 0 });
  });
  it('refuses a bad variant at load with the file and path of every problem', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-map-'));
    fs.mkdirSync(path.join(dir, '_base'));
    fs.cpSync(
      path.join(__dirname, '../../../sites/_base/mapping.yaml'),
      path.join(dir, '_base/mapping.yaml'),
    );
    fs.mkdirSync(path.join(dir, 'x1'));
    fs.writeFileSync(
      path.join(dir, 'x1/mapping.yaml'),
      'extends: base\ndialect: { dateFormat: "dd.MM", utcOffset: "CET" }\nmappings:\n  OrderReleased:\n    fields:\n      lines:\n        fields:\n          unitOfMeasure: { codes: nosuchlist }\n',
    );
    fs.mkdirSync(path.join(dir, 'x2'));
    fs.writeFileSync(
      path.join(dir, 'x2/mapping.yaml'),
      'extends: base\nmappings:\n  OrderReleased:\n    fields:\n      orderId: { form: typo }\n',
    );
    fs.mkdirSync(path.join(dir, 'x3'));
    fs.writeFileSync(path.join(dir, 'x3/mapping.yaml'), 'extends: nowhere\n');
    const problemsOf = (id: string, known?: string[]) => {
      try {
        loadSiteMappings(id, { dir, knownEventTypes: known });
        return [];
      } catch (err) {
        if (!isCrossdockError(err)) throw err;
        expect(err.code).toBe('CD_E_MAPPING_INVALID');
        return (err.details?.problems as Array<{ path: string }>).map((p) => p.path);
      }
    };
    expect(problemsOf('x1')).toEqual([
      '$.dialect.dateFormat',
      '$.dialect.utcOffset',
      '$.mappings.OrderReleased.fields.lines.fields.unitOfMeasure.codes',
    ]);
    expect(problemsOf('x2')).toEqual(['$.mappings.OrderReleased.fields.orderId.form']);
    expect(problemsOf('x3')).toEqual(['$.extends']);
    expect(problemsOf('x1'.replace('1', '2'), ['Other'])).toContain(
      '$.mappings.OrderReleased.fields.orderId.form',
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
