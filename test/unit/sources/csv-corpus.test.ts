import iconv from 'iconv-lite';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import { loadSiteMappings } from '../../../connectors/sources/mapping/load';
import { testSiteInput } from '../../../connectors/sources/site-test';

/**
 * The CSV bad-input corpus (pure: parse + map + schema check, no Kafka): each kind of bad file or
 * row gets its own code, located by row and column. The drop-folder integration test covers what
 * needs the folder and Kafka (duplicates, half-written files, policies, crash + restart).
 */
const HEADER =
  'order_no,released_at,customer_id,customer_name,warehouse,ship_by,ship_name,ship_street,ship_city,ship_region,ship_zip,ship_country,currency,order_total,line_no,sku,description,qty,uom,unit_price,line_amount';
const row = (over: Record<string, string> = {}) => {
  const base: Record<string, string> = {
    order_no: 'DAL-1',
    released_at: '2026-03-02 07:45:00',
    customer_id: 'C-1',
    customer_name: 'Tools Inc',
    warehouse: 'DAL-1',
    ship_by: '2026-03-03',
    ship_name: 'Tools Inc',
    ship_street: '1 Main St',
    ship_city: 'Dallas',
    ship_region: 'TX',
    ship_zip: '75202',
    ship_country: 'US',
    currency: 'USD',
    order_total: '20.00',
    line_no: '1',
    sku: 'SKU-1',
    description: 'Bolt',
    qty: '2',
    uom: 'EA',
    unit_price: '10.0000',
    line_amount: '20.00',
  };
  return HEADER.split(',')
    .map((c) => {
      const v = over[c] ?? base[c]!;
      return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(',');
};
const csv = (...rows: string[]) => Buffer.from([HEADER, ...rows].join('\n') + '\n');

describe('CSV bad-input corpus', () => {
  const codec = createCatalogCodec({ ids: () => 1 });
  const dal = loadSiteMappings('us-dal');
  const gdl = loadSiteMappings('mx-gdl');
  const run = (content: Buffer, site = dal) => testSiteInput(site, codec, 'in.csv', content);

  it('a good file groups order lines by order number', () => {
    const r = run(csv(row(), row({ line_no: '2', sku: 'SKU-2' }), row({ order_no: 'DAL-2' })));
    expect(r.problems).toEqual([]);
    expect(r.events.map((e) => (e as { lines: unknown[] }).lines.length)).toEqual([2, 1]);
  });

  const cases: Array<[string, () => Buffer, string, { row?: number; column?: string }]> = [
    ['an empty file', () => Buffer.alloc(0), 'CD_E_CSV_EMPTY', {}],
    ['a header only', () => Buffer.from(HEADER + '\n'), 'CD_E_CSV_EMPTY', {}],
    [
      'a wrong header (renamed column)',
      () => Buffer.from(HEADER.replace('sku', 'article') + '\n' + row()),
      'CD_E_CSV_BAD_HEADER',
      { row: 0, column: 'sku' },
    ],
    [
      'an unclosed quote',
      () => Buffer.from(HEADER + '\n' + row().replace('Bolt', '"Bolt')),
      'CD_E_CSV_PARSE',
      {},
    ],
    [
      'a row with too many columns',
      () => Buffer.from(HEADER + '\n' + row() + ',extra'),
      'CD_E_CSV_PARSE',
      {},
    ],
    [
      'Latin-1 bytes in a UTF-8 site',
      () =>
        Buffer.concat([
          Buffer.from(HEADER + '\n'),
          iconv.encode(row({ description: 'Tornillo ángulo' }), 'latin1'),
        ]),
      'CD_E_CSV_BAD_ENCODING',
      {},
    ],
    [
      'a missing required value',
      () => csv(row({ customer_id: '' })),
      'CD_E_INPUT_MISSING_FIELD',
      { row: 1, column: 'customer_id' },
    ],
    [
      'a negative quantity',
      () => csv(row(), row({ line_no: '2', qty: '-4' })),
      'CD_E_INPUT_OUT_OF_RANGE',
      { row: 2, column: 'qty' },
    ],
    [
      'a quantity that is not a number',
      () => csv(row({ qty: 'two' })),
      'CD_E_INPUT_WRONG_TYPE',
      { row: 1, column: 'qty' },
    ],
    [
      'an impossible date',
      () => csv(row({ ship_by: '2026-02-30' })),
      'CD_E_INPUT_BAD_DATE',
      { row: 1, column: 'ship_by' },
    ],
    [
      'a timestamp in the wrong format',
      () => csv(row({ released_at: '03/02/2026 7:45' })),
      'CD_E_INPUT_BAD_DATE',
      { row: 1, column: 'released_at' },
    ],
    [
      'an unknown currency',
      () => csv(row({ currency: 'DOLLAR' })),
      'CD_E_INPUT_UNKNOWN_CURRENCY',
      { row: 1, column: 'currency' },
    ],
    [
      'an unknown unit code',
      () => csv(row({ uom: 'BOX' })),
      'CD_E_INPUT_UNKNOWN_CODE',
      { row: 1, column: 'uom' },
    ],
    [
      'too many decimal places',
      () => csv(row({ line_amount: '20.001' })),
      'CD_E_INPUT_OUT_OF_RANGE',
      { row: 1, column: 'line_amount' },
    ],
    [
      'a line number that is not an integer',
      () => csv(row({ line_no: '1.5' })),
      'CD_E_INPUT_WRONG_TYPE',
      { row: 1, column: 'line_no' },
    ],
  ];

  it.each(cases)('%s', (_what, content, code, where) => {
    const r = run(content());
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code, ...where })]));
    for (const p of r.problems) expect(p.expected.length).toBeGreaterThan(3);
  });

  it('a decimal point in a decimal-comma site is refused, the comma form accepted', () => {
    const h =
      'order_no;released_at;customer_id;customer_name;warehouse;ship_by;ship_name;ship_street;ship_city;ship_region;ship_zip;ship_country;currency;order_total;line_no;sku;description;qty;uom;unit_price;line_amount';
    const line = (amount: string) =>
      `GDL-1;02.03.2026 10:20;C;Dist;GDL-1;05.03.2026;Dist;Av 1;Guadalajara;JAL;44690;MX;MXN;${amount};1;SKU-1;x;1;PZA;10,0000;${amount}`;
    expect(run(iconv.encode(`${h}\n${line('10,00')}\n`, 'latin1'), gdl).problems).toEqual([]);
    expect(run(iconv.encode(`${h}\n${line('10.5')}\n`, 'latin1'), gdl).problems[0]).toMatchObject({
      code: 'CD_E_INPUT_WRONG_TYPE',
      row: 1,
      column: 'order_total',
    });
  });
});
