/**
 * Lint rules for canonical event schemas. Each rule has a stable id; docs/schemas.md gives the
 * reason for each (a unit test keeps the two in step).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  COMMON_DIR,
  METADATA_TYPE,
  loadCommonTypes,
  expandCommonTypes,
  type Catalog,
  type CatalogEntry,
  type CatalogVersion,
  type Problem,
} from './catalog';
import {
  baseTypeOf,
  describeType,
  isNullable,
  logicalTypeOf,
  nonNull,
  walkSchema,
  type RawSchema,
} from './walk';

/** Every rule id `schemas check` can report (load, lint and compatibility). */
export const RULE_IDS = [
  'catalog-schema',
  'catalog-files',
  'avro-parse',
  'catalog-agrees',
  'namespace',
  'naming',
  'doc-present',
  'metadata-first',
  'key-field',
  'money-decimal',
  'money-currency',
  'quantity-unit',
  'timestamp-logical',
  'enum-default',
  'null-default',
  'personal-data',
  'compat-field-removed',
  'compat-field-added-required',
  'compat-field-renamed',
  'compat-type-changed',
  'compat-enum-symbol-removed',
  'compat-decimal-changed',
  'compat-logical-type-changed',
  'compat-unreadable',
  'published-version-edited',
  'published-version-removed',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

const PASCAL = /^[A-Z][A-Za-z0-9]*$/;
const CAMEL = /^[a-z][A-Za-z0-9]*$/;
const UPPER_SNAKE = /^[A-Z][A-Z0-9_]*$/;
/** Names that hold money: `amount`, `unitPrice`, `freightChargeAmount`, `unitCost`, `total`, … */
const MONEY_NAME = /^(amount|price|cost|total|tax|charge|fee)|(Amount|Price|Cost|Total|Tax|Charge|Fee)$/;
const QUANTITY_NAME = /^(quantity|qty)|Quantity$/;
const TIME_NAME = /(At|Date|Time|Timestamp)$/;
/** Names that usually hold personal data (GDPR/CCPA): must carry `"pii": true`. */
const PERSONAL_NAME =
  /(email|phone|^(customer|contact|recipient|person)Name$|^line[12]$|^postalCode$|^name$)/i;

function eventNamespace(entry: Pick<CatalogEntry, 'domain'>): string {
  return `com.crossdock.${entry.domain}`;
}

/** Lint of one version's standalone schema. */
export function lintVersion(
  entry: CatalogEntry,
  version: CatalogVersion,
  commonTypes: Map<string, object>,
): Problem[] {
  const problems: Problem[] = [];
  const file = version.file;
  const add = (rule: RuleId, p: string, message: string) => problems.push({ rule, file, path: p, message });
  const schema = version.schema as Record<string, unknown>;
  const walk = walkSchema(schema);
  const top = walk.records[0];
  const ns = eventNamespace(entry);

  // catalog-agrees: the file is the event the catalog says it is.
  const fullName = top?.fullName ?? '(none)';
  if (schema.type !== 'record')
    add(
      'catalog-agrees',
      '',
      `${file} must hold a record schema, found ${describeType(schema as RawSchema)}`,
    );
  if (fullName !== entry.subject)
    add(
      'catalog-agrees',
      '',
      `record full name ${fullName} differs from the catalog subject ${entry.subject}`,
    );
  if (top && String(top.raw.name) !== entry.eventType)
    add(
      'catalog-agrees',
      '',
      `record name ${String(top.raw.name)} differs from the event type ${entry.eventType}`,
    );
  if (entry.subject !== `${ns}.${entry.eventType}`)
    add(
      'catalog-agrees',
      '',
      `subject ${entry.subject} must be ${ns}.${entry.eventType} (com.crossdock.<domain>.<EventType>)`,
    );

  for (const rec of walk.records) {
    const isCommon = rec.fullName.startsWith('com.crossdock.common.');
    if (!isCommon && rec.namespace !== ns)
      add(
        'namespace',
        rec.path,
        `record ${rec.fullName} must be in namespace ${ns} (or be a shared type from schemas/common)`,
      );
    const short = rec.fullName.slice(rec.namespace.length + 1);
    if (!PASCAL.test(short)) add('naming', rec.path, `record name ${short} must be PascalCase`);
    if (typeof rec.raw.doc !== 'string' || !rec.raw.doc.trim())
      add('doc-present', rec.path, `record ${short} has no doc`);
  }
  for (const n of walk.named) {
    const short = n.fullName.slice(n.namespace.length + 1);
    if (!n.fullName.startsWith('com.crossdock.common.') && n.namespace !== ns)
      add('namespace', n.path, `${n.kind} ${n.fullName} must be in namespace ${ns}`);
    if (!PASCAL.test(short)) add('naming', n.path, `${n.kind} name ${short} must be PascalCase`);
    if (n.kind === 'enum') {
      const symbols = Array.isArray(n.raw.symbols) ? (n.raw.symbols as string[]) : [];
      for (const s of symbols)
        if (!UPPER_SNAKE.test(s)) add('naming', n.path, `enum ${short} symbol ${s} must be UPPER_SNAKE_CASE`);
      if (typeof n.raw.default !== 'string' || !symbols.includes(n.raw.default)) {
        add(
          'enum-default',
          n.path,
          `enum ${short} at \`${n.path}\` needs a "default" symbol (one of its symbols) so readers survive symbols added later`,
        );
      }
      if (typeof n.raw.doc !== 'string' || !n.raw.doc.trim())
        add('doc-present', n.path, `enum ${short} has no doc`);
    }
  }

  for (const f of walk.fields) {
    const p = f.path;
    if (!CAMEL.test(f.name)) add('naming', p, `field \`${p}\` must be camelCase`);
    if (typeof f.raw.doc !== 'string' || !f.raw.doc.trim())
      add('doc-present', p, `field \`${p}\` has no doc`);
    if (
      'default' in f.raw &&
      f.raw.default === null &&
      !(Array.isArray(f.raw.type) && f.raw.type[0] === 'null')
    ) {
      add(
        'null-default',
        p,
        `field \`${p}\` has "default": null but its type ${describeType(f.type)} does not start with "null" (use ["null", T])`,
      );
    }
    const inner = nonNull(f.type);
    const single = inner.length === 1 ? inner[0]! : undefined;
    const lt = single === undefined ? undefined : logicalTypeOf(single);
    if (MONEY_NAME.test(f.name)) {
      if (lt !== 'decimal')
        add(
          'money-decimal',
          p,
          `money field \`${p}\` is ${describeType(f.type)}; money must be an Avro decimal (exact), never float, double, int or string`,
        );
      else {
        const enclosing = [...f.record.ancestors, f.record.fullName];
        const hasCurrency = walk.fields.some(
          (o) =>
            o.name === 'currency' && enclosing.includes(o.record.fullName) && baseTypeOf(o.type) === 'string',
        );
        if (!hasCurrency)
          add(
            'money-currency',
            p,
            `money field \`${p}\` has no \`currency\` (ISO 4217) field in its record or an enclosing record`,
          );
      }
    }
    if (QUANTITY_NAME.test(f.name)) {
      const siblings = walk.fields.filter((o) => o.record === f.record).map((o) => o.name);
      if (!siblings.includes('unitOfMeasure'))
        add('quantity-unit', p, `quantity field \`${p}\` has no sibling \`unitOfMeasure\``);
      if (lt !== 'decimal' && !(single === 'int' || single === 'long'))
        add(
          'quantity-unit',
          p,
          `quantity field \`${p}\` is ${describeType(f.type)}; use decimal (or int/long for whole units)`,
        );
    }
    if (
      TIME_NAME.test(f.name) &&
      single !== undefined &&
      baseTypeOf(single) !== 'record' &&
      baseTypeOf(single) !== 'array'
    ) {
      const want = f.name.endsWith('Date')
        ? ['date', 'timestamp-millis']
        : ['timestamp-millis', 'timestamp-micros'];
      if (!lt || !want.includes(lt))
        add(
          'timestamp-logical',
          p,
          `\`${p}\` is ${describeType(f.type)}; times must use the ${want.join(' or ')} logical type, not a bare ${baseTypeOf(single)}`,
        );
    }
    if (PERSONAL_NAME.test(f.name) && f.raw.pii !== true)
      add(
        'personal-data',
        p,
        `\`${p}\` looks like personal data; mark it "pii": true so it is masked for viewers`,
      );
    if ('pii' in f.raw && typeof f.raw.pii !== 'boolean')
      add('personal-data', p, `\`${p}\` has "pii": ${JSON.stringify(f.raw.pii)}; it must be true or false`);
  }

  // metadata-first: the shared envelope, unchanged, as field 0.
  const first = Array.isArray(schema.fields)
    ? (schema.fields as Array<Record<string, unknown>>)[0]
    : undefined;
  const metaDef = commonTypes.get(METADATA_TYPE);
  const expectedMeta = metaDef ? expandCommonTypes(METADATA_TYPE, commonTypes) : undefined;
  if (!first || first.name !== 'metadata')
    add(
      'metadata-first',
      first ? String(first.name) : '',
      `the first field must be \`metadata\` of type ${METADATA_TYPE}${first ? `, found \`${String(first.name)}\`` : ''}`,
    );
  else if (!expectedMeta || !isDeepStrictEqual(first.type, expectedMeta)) {
    add(
      'metadata-first',
      'metadata',
      `\`metadata\` must be the shared ${METADATA_TYPE} (refer to it by name, do not redefine it)`,
    );
  }

  // key-field: each key path exists and is a non-null string/int/long (a uuid string is fine;
  // a date or timestamp is not, its text form would depend on the reader).
  for (const key of entry.keyFields) {
    const field = walk.fields.find((f) => f.path === key);
    if (!field)
      add('key-field', key, `key field \`${key}\` is not in ${entry.eventType} v${version.version}`);
    else if (
      isNullable(field.type) ||
      !['string', 'int', 'long'].includes(baseTypeOf(field.type)) ||
      !['uuid', undefined].includes(logicalTypeOf(field.type))
    ) {
      add(
        'key-field',
        key,
        `key field \`${key}\` is ${describeType(field.type)}; a key must be a non-nullable string, int or long`,
      );
    }
  }
  return problems;
}

/** Catalog-level agreement: versions numbered 1..n, statuses and dates sensible, no stray files. */
export function lintCatalog(catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const add = (rule: RuleId, file: string, p: string, message: string) =>
    problems.push({ rule, file, path: p, message });
  const seenSubjects = new Set<string>();
  catalog.entries.forEach((e, i) => {
    const where = `events[${i}]`;
    if (seenSubjects.has(e.subject))
      add('catalog-agrees', 'catalog.yaml', where, `${e.subject} is listed twice`);
    seenSubjects.add(e.subject);
    const numbers = e.versions.map((v) => v.version);
    numbers.forEach((n, j) => {
      if (n !== j + 1)
        add(
          'catalog-agrees',
          'catalog.yaml',
          `${where}.versions`,
          `${e.eventType} versions must be numbered 1..n without gaps, found ${numbers.join(', ')}`,
        );
    });
    if (!e.versions.some((v) => v.status === 'active'))
      add('catalog-agrees', 'catalog.yaml', `${where}.versions`, `${e.eventType} has no active version`);
    for (const v of e.versions) {
      if (v.retireAfter && v.status === 'active')
        add(
          'catalog-agrees',
          'catalog.yaml',
          `${where}.versions`,
          `${e.eventType} v${v.version} is active but has retireAfter (deprecate it first)`,
        );
      if (v.status === 'deprecated' && !v.retireAfter)
        add(
          'catalog-agrees',
          'catalog.yaml',
          `${where}.versions`,
          `${e.eventType} v${v.version} is deprecated without a retireAfter date`,
        );
      if (v.since && v.retireAfter && v.retireAfter <= v.since)
        add(
          'catalog-agrees',
          'catalog.yaml',
          `${where}.versions`,
          `${e.eventType} v${v.version} retireAfter ${v.retireAfter} is not after since ${v.since}`,
        );
    }
  });
  // Every .avsc outside common/ must be a catalog version: a stray file is a schema nobody governs.
  const named = new Set(catalog.entries.flatMap((e) => e.versions.map((v) => v.file)));
  const declared = new Set(catalog.entries.map((e) => `${e.domain}/${e.eventType}`));
  for (const file of listAvsc(catalog.dir)) {
    if (file.startsWith(`${COMMON_DIR}/`) || named.has(file)) continue;
    const folder = file.split('/').slice(0, 2).join('/');
    if (declared.has(folder) && !named.has(file))
      add('catalog-files', file, '', `${file} is not a version listed in catalog.yaml`);
    else if (!declared.has(folder)) add('catalog-files', file, '', `${file} belongs to no catalog entry`);
  }
  return problems;
}

function listAvsc(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory() && d.name !== 'node_modules' && d.name !== 'generated') walk(r);
      else if (d.name.endsWith('.avsc')) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** Lint every version of every entry. */
export function lintAll(catalog: Catalog): Problem[] {
  const common = loadCommonTypes(catalog.dir);
  return [
    ...lintCatalog(catalog),
    ...catalog.entries.flatMap((e) => e.versions.flatMap((v) => lintVersion(e, v, common))),
  ];
}
