/**
 * The distributor the demo plays: its eight warehouses (the sites of examples/hub.yaml), their
 * customers and the items they sell. Static data; demo/business.ts makes the business from it.
 */

/** Canonical units the business uses (each site adapter writes its own code for them). */
export type Uom = 'EA' | 'CS' | 'KGM';

export interface Item {
  sku: string;
  description: string;
  uom: Uom;
  /** Price per unit in USD, 4 places; other currencies scale it. */
  priceUsd: number;
  /** Gross kilograms per unit, for shipments. */
  kg: number;
}

export interface Customer {
  id: string;
  name: string;
  street: string;
  city: string;
  region: string;
  postalCode: string;
  email: string | null;
  phone: string | null;
}

export interface Warehouse {
  siteId: string;
  warehouseId: string;
  country: 'US' | 'CA' | 'MX';
  /** The legal entity the site belongs to (intercompany postings are between entities). */
  companyCode: string;
}

export const CURRENCY: Record<Warehouse['country'], 'USD' | 'CAD' | 'MXN'> = {
  US: 'USD',
  CA: 'CAD',
  MX: 'MXN',
};

/** USD → currency, for prices (standard cost rates of the year). */
export const RATE: Record<'USD' | 'CAD' | 'MXN', number> = { USD: 1, CAD: 1.36, MXN: 17.2 };

export const WAREHOUSES: readonly Warehouse[] = [
  { siteId: 'us-chi', warehouseId: 'CHI-1', country: 'US', companyCode: 'US01' },
  { siteId: 'us-nwk', warehouseId: 'NWK-1', country: 'US', companyCode: 'US01' },
  { siteId: 'mx-mty', warehouseId: 'MTY-1', country: 'MX', companyCode: 'MX01' },
  { siteId: 'us-dal', warehouseId: 'DAL-1', country: 'US', companyCode: 'US01' },
  { siteId: 'ca-yvr', warehouseId: 'YVR-1', country: 'CA', companyCode: 'CA01' },
  { siteId: 'mx-gdl', warehouseId: 'GDL-1', country: 'MX', companyCode: 'MX01' },
  { siteId: 'us-atl', warehouseId: 'ATL-1', country: 'US', companyCode: 'US01' },
  { siteId: 'ca-tor', warehouseId: 'TOR-1', country: 'CA', companyCode: 'CA01' },
];

export const ITEMS: readonly Item[] = [
  { sku: 'SKU-10001', description: 'Hex bolt M8, box of 100', uom: 'CS', priceUsd: 24.99, kg: 4.2 },
  { sku: 'SKU-10002', description: 'Hex nut M8, box of 200', uom: 'CS', priceUsd: 18.5, kg: 3.1 },
  { sku: 'SKU-20417', description: 'Rope 12mm', uom: 'KGM', priceUsd: 39.9, kg: 1 },
  { sku: 'SKU-30110', description: 'Safety gloves, size L', uom: 'EA', priceUsd: 5.005, kg: 0.2 },
  { sku: 'SKU-40555', description: 'Packing tape 48mm', uom: 'CS', priceUsd: 28.25, kg: 6 },
  { sku: 'SKU-50020', description: 'Pallet wrap 500mm', uom: 'EA', priceUsd: 17.8, kg: 2.5 },
  { sku: 'SKU-60001', description: 'Marine rope 10mm', uom: 'KGM', priceUsd: 12.4, kg: 1 },
  { sku: 'SKU-70300', description: 'Work boots, size 10', uom: 'EA', priceUsd: 64, kg: 1.8 },
];

export const CUSTOMERS: Record<Warehouse['country'], readonly Customer[]> = {
  US: [
    {
      id: 'C-1001',
      name: 'Lakeside Hardware Inc.',
      street: '400 W Lake St',
      city: 'Chicago',
      region: 'IL',
      postalCode: '60606',
      email: 'ap@lakeside.example',
      phone: '+13125550100',
    },
    {
      id: 'C-3300',
      name: 'Lone Star Tools',
      street: '1200 Commerce St',
      city: 'Dallas',
      region: 'TX',
      postalCode: '75202',
      email: null,
      phone: null,
    },
    {
      id: 'C-2210',
      name: 'Peachtree Supply Co',
      street: '55 Marietta St NW',
      city: 'Atlanta',
      region: 'GA',
      postalCode: '30303',
      email: 'orders@peachtree.example',
      phone: '+14045550123',
    },
    {
      id: 'C-4050',
      name: 'Harbor Industrial',
      street: '1 Raymond Blvd',
      city: 'Newark',
      region: 'NJ',
      postalCode: '07102',
      email: 'buyer@harbor.example',
      phone: null,
    },
  ],
  CA: [
    {
      id: 'C-7001',
      name: 'Coastal Marine Ltd',
      street: '77 Harbour Rd',
      city: 'Vancouver',
      region: 'BC',
      postalCode: 'V6B 1A1',
      email: 'ops@coastal.example',
      phone: '+16045550177',
    },
    {
      id: 'C-7120',
      name: 'Lakeshore Builders',
      street: '200 Queens Quay W',
      city: 'Toronto',
      region: 'ON',
      postalCode: 'M5J 2Y5',
      email: null,
      phone: '+14165550150',
    },
  ],
  MX: [
    {
      id: 'MX-C-0091',
      name: 'Ferreteria del Norte',
      street: 'Av. Constitucion 1500',
      city: 'Monterrey',
      region: 'NL',
      postalCode: '64000',
      email: 'compras@ferrenorte.example',
      phone: null,
    },
    {
      id: 'MX-C-0502',
      name: 'Distribuidora Jalisco',
      street: 'Av. Vallarta 3300',
      city: 'Guadalajara',
      region: 'JAL',
      postalCode: '44690',
      email: null,
      phone: '+523335550190',
    },
  ],
};

export function warehouseOf(siteId: string): Warehouse {
  const w = WAREHOUSES.find((x) => x.siteId === siteId);
  if (!w) throw new Error(`the demo has no warehouse for site ${siteId}`);
  return w;
}
