/**
 * TypeScript types for every catalog version, generated from the schemas:
 * `npm run gen:types` writes schemas/generated/events.ts; `npm run gen:types -- --check` (and
 * test/unit/schemas/generated.test.ts) fails when the committed file is out of date.
 *
 * `<EventType>V<n>` describes an event as crossdock's Avro types decode it (core/avro.ts):
 * decimals are strings, timestamp-millis are Dates, dates 'YYYY-MM-DD' strings.
 * `<EventType>V<n>Input` is what encodeEvent accepts: fields with a default may be left out and
 * timestamps may be ISO 8601 strings. Enums are shared by both shapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { currentVersion, loadCatalog, SCHEMAS_DIR, type Catalog } from './catalog';
import { PRIMITIVES, qualify, namespaceOf } from './walk';

export const GENERATED_TYPES_FILE = 'schemas/generated/events.ts';

function comment(doc: unknown, pii: boolean, indent: string): string {
  const text =
    `${typeof doc === 'string' ? doc : ''}${pii ? ' Personal data (masked for viewers).' : ''}`.trim();
  return text ? `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n` : '';
}

class Emitter {
  private readonly out: string[] = [];
  /** Full name → emitted TS name, per top-level schema (common types are shared across files). */
  private names = new Map<string, string>();
  private readonly common = new Map<string, string>();

  private prefix = '';
  /** Input mode: the shape producers may pass to encode (defaulted fields optional, ISO strings for times). */
  private input = false;

  /** Starts a new top-level schema; its record is called `prefix`, nested types `prefix<Name>`. */
  reset(prefix: string, input = false): void {
    this.names = new Map();
    this.prefix = prefix;
    this.input = input;
  }

  tsName(fullName: string): string {
    const short = fullName.slice(fullName.lastIndexOf('.') + 1);
    return fullName.startsWith('com.crossdock.common.') ? short : `${this.prefix}${short}`;
  }

  /** TS type for an Avro type, emitting named types it defines. */
  type(t: unknown, ns: string): string {
    if (typeof t === 'string') {
      if (PRIMITIVES.has(t))
        return (
          {
            null: 'null',
            boolean: 'boolean',
            int: 'number',
            long: 'number',
            float: 'number',
            double: 'number',
            bytes: 'Buffer',
            string: 'string',
          } as Record<string, string>
        )[t]!;
      const full = qualify(t, ns);
      return this.names.get(full) ?? this.common.get(full) ?? 'unknown';
    }
    if (Array.isArray(t)) return t.map((b) => this.type(b, ns)).join(' | ');
    const o = t as Record<string, unknown>;
    switch (o.logicalType) {
      case 'decimal':
        return 'DecimalString';
      case 'timestamp-millis':
        return this.input ? 'Date | string' : 'Date';
      case 'date':
        return 'IsoDate';
      case 'uuid':
        return 'string';
    }
    switch (o.type) {
      case 'record':
      case 'enum':
      case 'fixed':
        return this.named(o, ns);
      case 'array':
        return `Array<${this.type(o.items, ns)}>`;
      case 'map':
        return `Record<string, ${this.type(o.values, ns)}>`;
      default:
        return this.type(o.type, ns);
    }
  }

  private named(o: Record<string, unknown>, ns: string): string {
    const full = qualify(String(o.name), typeof o.namespace === 'string' ? o.namespace : ns);
    const isCommon = full.startsWith('com.crossdock.common.');
    const commonKey = `${full}|${this.input ? 'input' : 'decoded'}`;
    const known = isCommon ? this.common.get(commonKey) : undefined;
    const isRecord = o.type === 'record';
    const base = this.names.size === 0 && !isCommon ? this.prefix : this.tsName(full);
    const name = this.input && isRecord ? `${base}Input` : base;
    this.names.set(full, name);
    if (known) return known;
    // Enums and fixed types are the same in both shapes: emitted once, by the decoded pass.
    if (this.input && !isRecord) return name;
    if (isCommon) this.common.set(commonKey, name);
    const inner = namespaceOf(full);
    if (o.type === 'enum') {
      const symbols = (o.symbols as string[]).map((s) => `'${s}'`);
      const oneLine = `export type ${name} = ${symbols.join(' | ')};`;
      // prettier's three shapes for a long union: one line, then one indented line, then one per line.
      const indented = `  ${symbols.join(' | ')};`;
      const text =
        oneLine.length <= 110
          ? oneLine
          : indented.length <= 110
            ? `export type ${name} =\n${indented}`
            : `export type ${name} =\n${symbols.map((x) => `  | ${x}`).join('\n')};`;
      this.out.push(`${comment(o.doc, false, '')}${text}\n`);
    } else if (o.type === 'fixed') {
      this.out.push(`${comment(o.doc, false, '')}export type ${name} = Buffer;\n`);
    } else {
      // Fields first: nested definitions are emitted before the record that uses them.
      const fields = (o.fields as Array<Record<string, unknown>>).map((f) => {
        const optional = this.input && 'default' in f ? '?' : '';
        return `${comment(f.doc, f.pii === true, '  ')}  ${String(f.name)}${optional}: ${this.type(f.type, inner)};\n`;
      });
      this.out.push(`${comment(o.doc, false, '')}export interface ${name} {\n${fields.join('')}}\n`);
    }
    return name;
  }

  text(): string {
    return this.out.join('\n');
  }
}

/**
 * The generated module's text. It is written the way prettier (printWidth 110) would print it,
 * so `npm run lint` passes on it without a formatting step here.
 */
export function renderEventTypes(catalog: Catalog = loadCatalog(SCHEMAS_DIR)): string {
  const em = new Emitter();
  const head: string[] = [];
  const current: string[] = [];
  const inputs: string[] = [];
  for (const entry of catalog.entries) {
    for (const v of entry.versions) {
      // The top record is named `<EventType>V<n>`; nested types get that prefix. Then the input
      // shape, `<EventType>V<n>Input`.
      em.reset(`${entry.eventType}V${v.version}`);
      em.type(v.schema, '');
      em.reset(`${entry.eventType}V${v.version}`, true);
      em.type(v.schema, '');
    }
    const cur = currentVersion(entry);
    if (cur) current.push(`  ${entry.eventType}: ${entry.eventType}V${cur.version};`);
    if (cur) inputs.push(`  ${entry.eventType}: ${entry.eventType}V${cur.version}Input;`);
  }
  head.push(
    '// Generated by `npm run gen:types` from schemas/ (catalog.yaml and the .avsc files). Do not edit.',
    '',
    '/** An exact decimal as a string, e.g. "1234.50" (Avro decimal; see core/avro.ts). */',
    'export type DecimalString = string;',
    "/** A calendar day 'YYYY-MM-DD' (Avro date). */",
    'export type IsoDate = string;',
    '',
  );
  const subjects = catalog.entries.map((e) => `  ${e.eventType}: '${e.subject}',`).join('\n');
  return [
    head.join('\n'),
    em.text(),
    '/** The current (newest active) version of every event type, by event type. */',
    `export interface CanonicalEvents {\n${current.join('\n')}\n}`,
    '',
    '/** What producers may pass to encodeEvent for the current version of each event type. */',
    `export interface CanonicalEventInputs {\n${inputs.join('\n')}\n}`,
    '',
    'export type EventTypeName = keyof CanonicalEvents;',
    '',
    '/** Registry subject (record full name) of every event type. */',
    `export const EVENT_SUBJECTS: Readonly<Record<EventTypeName, string>> = {\n${subjects}\n};`,
    '',
  ].join('\n');
}

function main(): void {
  const root = path.resolve(__dirname, '..');
  const file = path.join(root, GENERATED_TYPES_FILE);
  const want = renderEventTypes();
  if (process.argv.includes('--check')) {
    const have = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (have !== want) {
      console.error(`out of date (run npm run gen:types): ${GENERATED_TYPES_FILE}`);
      process.exitCode = 1;
    }
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, want);
  console.error(`wrote ${GENERATED_TYPES_FILE}`);
}

if (require.main === module) main();
