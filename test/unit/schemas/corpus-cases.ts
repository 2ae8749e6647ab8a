import { field, lineRecord, type SchemaSandbox } from './sandbox';

/**
 * The bad-change corpus: each case changes a copy of the shipped schemas the way people really
 * break them, and `schemas check` must flag it with the rule id and name the field.
 */
export interface Case {
  name: string;
  rule: string;
  /** Substrings the problem's message must contain (field name, versions, mode). */
  says: string[];
  path?: string;
  apply: (s: SchemaSandbox) => void;
}

const dec = (p: number, s: number) => ({ type: 'bytes', logicalType: 'decimal', precision: p, scale: s });

export const BAD: Case[] = [
  {
    name: "remove a field without a default (FORWARD readers break) — the issue's own example",
    rule: 'compat-field-removed',
    path: 'warehouseId',
    says: [
      'OrderReleased v3 removes field `warehouseId` without a default: v2 readers cannot read v3 data (FORWARD)',
    ],
    apply: (s) =>
      s.addVersion(
        'OrderReleased',
        (x) => void x.fields.splice(x.fields.indexOf(field(x, 'warehouseId')), 1),
        'FORWARD',
      ),
  },
  {
    name: 'remove a field without a default from a FULL_TRANSITIVE finance event',
    rule: 'compat-field-removed',
    path: 'paymentTerms',
    says: [
      'InvoiceGenerated v2 removes field `paymentTerms`',
      'v1 readers cannot read v2 data (FULL_TRANSITIVE)',
    ],
    apply: (s) =>
      s.addVersion(
        'InvoiceGenerated',
        (x) => void x.fields.splice(x.fields.indexOf(field(x, 'paymentTerms')), 1),
      ),
  },
  {
    name: 'remove a field while adding an optional one of the same type (not a rename)',
    rule: 'compat-field-removed',
    path: 'placedBy',
    says: [
      'OrderHoldPlaced v2 removes field `placedBy` without a default: v1 readers cannot read v2 data (FULL)',
    ],
    apply: (s) =>
      s.addVersion(
        'OrderHoldPlaced',
        (x) => {
          x.fields.splice(x.fields.indexOf(field(x, 'placedBy')), 1);
          x.fields.push({ name: 'approvedBy', type: 'string', default: 'system', doc: 'Approver.' });
        },
        'FULL',
      ),
  },
  {
    name: 'change a field type',
    rule: 'compat-type-changed',
    path: 'holdNote',
    says: [
      'OrderHoldPlaced v2 changes `holdNote` from [null, string] to [null, int]',
      'v2 readers cannot read v1 data (BACKWARD)',
    ],
    apply: (s) => s.addVersion('OrderHoldPlaced', (x) => void (field(x, 'holdNote').type = ['null', 'int'])),
  },
  {
    name: 'rename a field without an alias',
    rule: 'compat-field-renamed',
    path: 'shipFromWarehouseId',
    says: [
      'renames field `warehouseId` to `shipFromWarehouseId` without an alias',
      'add "aliases": ["warehouseId"]',
    ],
    apply: (s) =>
      s.addVersion('OrderReleased', (x) => void (field(x, 'warehouseId').name = 'shipFromWarehouseId')),
  },
  {
    name: 'remove an enum symbol (old data would silently read as the default)',
    rule: 'compat-enum-symbol-removed',
    path: 'holdReason',
    says: ['removes symbol FRAUD_REVIEW from enum `holdReason`', 'would read as OTHER'],
    apply: (s) =>
      s.addVersion('OrderHoldPlaced', (x) => {
        const e = field(x, 'holdReason').type as { symbols: string[] };
        e.symbols = e.symbols.filter((y) => y !== 'FRAUD_REVIEW');
      }),
  },
  {
    name: 'add a required field (no default)',
    rule: 'compat-field-added-required',
    path: 'dockDoor',
    says: [
      'ShipmentConfirmed v2 adds field `dockDoor` without a default: v2 readers cannot read v1 data (BACKWARD)',
    ],
    apply: (s) =>
      s.addVersion(
        'ShipmentConfirmed',
        (x) =>
          void x.fields.push({ name: 'dockDoor', type: 'string', doc: 'Dock door the truck was loaded at.' }),
      ),
  },
  {
    name: "change a decimal's scale",
    rule: 'compat-decimal-changed',
    path: 'totalAmount',
    says: ['changes `totalAmount` from decimal(18,2) to decimal(18,3)', 'wrong scale'],
    apply: (s) => s.addVersion('InvoiceGenerated', (x) => void (field(x, 'totalAmount').type = dec(18, 3))),
  },
  {
    name: 'make a nullable field required',
    rule: 'compat-type-changed',
    path: 'contactEmail',
    says: ['changes `contactEmail` from [null, string] to string', 'v2 readers cannot read v1 data'],
    apply: (s) =>
      s.addVersion('ReturnAuthorized', (x) => {
        const f = field(x, 'contactEmail');
        f.type = 'string';
        delete f.default;
      }),
  },
  {
    name: "drop a timestamp's logical type",
    rule: 'compat-logical-type-changed',
    path: 'heldSince',
    says: ['changes `heldSince` from timestamp-millis to long'],
    apply: (s) => s.addVersion('OrderHoldReleased', (x) => void (field(x, 'heldSince').type = 'long')),
  },
  {
    name: "change a nested line field's type",
    rule: 'compat-type-changed',
    path: 'lines[].quantity',
    says: ['changes `lines[].quantity` from decimal(18,4) to double'],
    apply: (s) =>
      s.addVersion('InvoiceGenerated', (x) => void (field(lineRecord(x), 'quantity').type = 'double')),
  },
  {
    name: 'rename a nested record type without an alias',
    rule: 'compat-type-changed',
    path: 'lines[]',
    says: [
      'changes `lines[]` from record com.crossdock.returns.ReturnLine to record com.crossdock.returns.RmaLine',
    ],
    apply: (s) => s.addVersion('ReturnAuthorized', (x) => void (lineRecord(x).name = 'RmaLine')),
  },
  {
    name: 'narrow long to int under FULL (a widening read breaks the other way)',
    rule: 'compat-type-changed',
    path: 'remainingHolds',
    says: [
      'OrderHoldReleased v2 changes `remainingHolds` from int to long',
      'v1 readers cannot read v2 data (FULL)',
    ],
    apply: (s) =>
      s.addVersion('OrderHoldReleased', (x) => void (field(x, 'remainingHolds').type = 'long'), 'FULL'),
  },
  // Lint rules, on a changed version or file.
  {
    name: 'money as a double',
    rule: 'money-decimal',
    path: 'discountAmount',
    says: ['money field `discountAmount` is double'],
    apply: (s) =>
      s.addVersion(
        'InvoiceGenerated',
        (x) => void x.fields.push({ name: 'discountAmount', type: 'double', default: 0, doc: 'Discount.' }),
      ),
  },
  {
    name: 'money without a currency',
    rule: 'money-currency',
    path: 'writeOffAmount',
    says: ['money field `writeOffAmount` has no `currency`'],
    apply: (s) =>
      s.addVersion(
        'OrderHoldReleased',
        (x) =>
          void x.fields.push({
            name: 'writeOffAmount',
            type: ['null', dec(18, 2)],
            default: null,
            doc: 'Amount written off.',
          }),
      ),
  },
  {
    name: 'an enum without a default symbol',
    rule: 'enum-default',
    path: 'pickZone',
    says: ['enum PickZone', 'needs a "default" symbol'],
    apply: (s) =>
      s.addVersion(
        'OrderReleased',
        (x) =>
          void x.fields.push({
            name: 'pickZone',
            type: ['null', { type: 'enum', name: 'PickZone', doc: 'Zone.', symbols: ['A', 'B'] }],
            default: null,
            doc: 'Pick zone.',
          }),
      ),
  },
  {
    name: 'a field without doc',
    rule: 'doc-present',
    path: 'lines[].sku',
    says: ['field `lines[].sku` has no doc'],
    apply: (s) => s.addVersion('InvoiceGenerated', (x) => void delete field(lineRecord(x), 'sku').doc),
  },
  {
    name: 'a bare null default on a non-union field',
    rule: 'null-default',
    path: 'carrierNote',
    says: ['field `carrierNote` has "default": null'],
    apply: (s) =>
      s.addVersion(
        'ShipmentConfirmed',
        (x) => void x.fields.push({ name: 'carrierNote', type: 'string', default: null, doc: 'Note.' }),
      ),
  },
  {
    name: 'metadata not first',
    rule: 'metadata-first',
    says: ['the first field must be `metadata`'],
    apply: (s) => s.addVersion('OrderHoldPlaced', (x) => void x.fields.push(x.fields.shift()!)),
  },
  {
    name: 'a nullable key field',
    rule: 'key-field',
    path: 'orderId',
    says: ['key field `orderId` is [null, string]'],
    apply: (s) =>
      s.addVersion(
        'OrderExceptionRaised',
        (x) => {
          const f = field(x, 'orderId');
          f.type = ['null', 'string'];
          f.default = null;
        },
        'NONE',
      ),
  },
  {
    name: 'a timestamp as a string',
    rule: 'timestamp-logical',
    path: 'pickedAt',
    says: ['`pickedAt` is [null, string]; times must use the timestamp-millis'],
    apply: (s) =>
      s.addVersion(
        'ShipmentConfirmed',
        (x) =>
          void x.fields.push({
            name: 'pickedAt',
            type: ['null', 'string'],
            default: null,
            doc: 'When picked.',
          }),
      ),
  },
  {
    name: 'personal data not marked',
    rule: 'personal-data',
    path: 'driverPhone',
    says: ['`driverPhone` looks like personal data'],
    apply: (s) =>
      s.addVersion(
        'ShipmentConfirmed',
        (x) =>
          void x.fields.push({
            name: 'driverPhone',
            type: ['null', 'string'],
            default: null,
            doc: 'Driver phone.',
          }),
      ),
  },
  {
    name: 'a nested record outside the event namespace',
    rule: 'namespace',
    says: ['record com.acme.Line must be in namespace com.crossdock.finance'],
    apply: (s) =>
      s.addVersion(
        'InvoiceGenerated',
        (x) => void Object.assign(lineRecord(x), { name: 'Line', namespace: 'com.acme' }),
        'NONE',
      ),
  },
  {
    name: 'a record name that is not the catalog subject',
    rule: 'catalog-agrees',
    says: ['differs from the catalog subject com.crossdock.order.OrderHoldPlaced'],
    apply: (s) => s.addVersion('OrderHoldPlaced', (x) => void (x.name = 'OrderHeld'), 'NONE'),
  },
  {
    name: 'a catalog version without its file',
    rule: 'catalog-files',
    says: ['order/OrderHoldPlaced/v2.avsc is named by the catalog but does not exist'],
    apply: (s) =>
      s.editEntry('OrderHoldPlaced', (e) => void e.versions.push({ version: 2, status: 'active' })),
  },
  {
    name: 'a catalog entry that breaks the catalog JSON Schema',
    rule: 'catalog-schema',
    says: ['events[0].tier must be equal to one of the allowed values'],
    apply: (s) => s.editEntry('OrderReleased', (e) => void (e.tier = 'gold')),
  },
];

export const GOOD: Array<{ name: string; apply: (s: SchemaSandbox) => void }> = [
  {
    name: 'add an optional field with a default',
    apply: (s) =>
      s.addVersion(
        'OrderReleased',
        (x) =>
          void x.fields.push({
            name: 'customerPoNumber',
            type: ['null', 'string'],
            default: null,
            doc: 'Customer purchase order number.',
          }),
      ),
  },
  {
    name: 'reword a doc under FULL_TRANSITIVE',
    apply: (s) =>
      s.addVersion('InvoiceGenerated', (x) => {
        const f = field(x, 'billingEmail');
        f.doc = 'Where the invoice was e-mailed; null when sent by post, EDI or portal.';
      }),
  },
  {
    name: 'add an enum symbol',
    apply: (s) =>
      s.addVersion(
        'OrderHoldPlaced',
        (x) =>
          void (field(x, 'holdReason').type as { symbols: string[] }).symbols.push('SANCTIONS_SCREENING'),
      ),
  },
  {
    name: 'rename a field with an alias',
    apply: (s) =>
      s.addVersion('OrderReleased', (x) => {
        const f = field(x, 'warehouseId');
        f.name = 'shipFromWarehouseId';
        f.aliases = ['warehouseId'];
      }),
  },
  {
    name: 'widen int to long under BACKWARD',
    apply: (s) => s.addVersion('OrderHoldReleased', (x) => void (field(x, 'remainingHolds').type = 'long')),
  },
  {
    name: 'remove a field under BACKWARD (readers of the new version ignore it)',
    apply: (s) =>
      s.addVersion(
        'OrderExceptionRaised',
        (x) => void x.fields.splice(x.fields.indexOf(field(x, 'raisedBy')), 1),
      ),
  },
];
