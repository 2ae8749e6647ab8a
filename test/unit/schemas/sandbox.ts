import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { SCHEMAS_DIR } from '../../../schemas/catalog';
import { LOCK_FILE } from '../../../schemas/lock';

type Json = Record<string, unknown>;
export type Field = Json & { name: string; type: unknown };

/**
 * A copy of schemas/ (catalog + .avsc files only) in a temp folder, to change and check. Without
 * the lock file: the cases edit versions in place to test other rules (test/unit/schemas/lock.test.ts
 * tests the lock).
 */
export class SchemaSandbox {
  readonly dir: string;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-schemas-'));
    fs.cpSync(SCHEMAS_DIR, this.dir, {
      recursive: true,
      filter: (src) =>
        fs.statSync(src).isDirectory()
          ? path.basename(src) !== 'generated'
          : /\.(avsc|yaml|json)$/.test(src) && path.basename(src) !== LOCK_FILE,
    });
  }

  private catalogDoc(): { events: Array<Json & { eventType: string; domain: string; versions: Json[] }> } {
    return YAML.parse(fs.readFileSync(path.join(this.dir, 'catalog.yaml'), 'utf8'));
  }

  private writeCatalog(doc: unknown): void {
    fs.writeFileSync(path.join(this.dir, 'catalog.yaml'), YAML.stringify(doc));
  }

  /** Edits the catalog entry of an event type. */
  editEntry(eventType: string, edit: (entry: Json & { versions: Json[] }) => void): void {
    const doc = this.catalogDoc();
    const e = doc.events.find((x) => x.eventType === eventType);
    if (!e) throw new Error(`no ${eventType} in the catalog`);
    edit(e);
    this.writeCatalog(doc);
  }

  editCatalog(edit: (doc: Json) => void): void {
    const doc = this.catalogDoc() as unknown as Json;
    edit(doc);
    this.writeCatalog(doc);
  }

  /** The source JSON of a version file (shared types still referred to by name). */
  source(eventType: string, version: number): Json {
    const e = this.catalogDoc().events.find((x) => x.eventType === eventType)!;
    return JSON.parse(
      fs.readFileSync(path.join(this.dir, e.domain, eventType, `v${version}.avsc`), 'utf8'),
    ) as Json;
  }

  /**
   * Adds v(N+1) of an event, made from its newest file by `change`; returns the new version
   * number. `compatibility` overrides the entry's mode.
   */
  addVersion(
    eventType: string,
    change: (schema: Json & { fields: Field[] }) => void,
    compatibility?: string,
  ): number {
    const doc = this.catalogDoc();
    const e = doc.events.find((x) => x.eventType === eventType)!;
    const last = Math.max(...e.versions.map((v) => Number(v.version)));
    const schema = this.source(eventType, last) as Json & { fields: Field[] };
    change(schema);
    fs.writeFileSync(
      path.join(this.dir, e.domain, eventType, `v${last + 1}.avsc`),
      JSON.stringify(schema, null, 2),
    );
    e.versions.push({ version: last + 1, status: 'active', since: '2027-01-04' });
    if (compatibility) e.compatibility = compatibility;
    this.writeCatalog(doc);
    return last + 1;
  }

  /** Rewrites an existing version file in place. */
  editVersion(
    eventType: string,
    version: number,
    change: (schema: Json & { fields: Field[] }) => void,
  ): void {
    const e = this.catalogDoc().events.find((x) => x.eventType === eventType)!;
    const file = path.join(this.dir, e.domain, eventType, `v${version}.avsc`);
    const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as Json & { fields: Field[] };
    change(schema);
    fs.writeFileSync(file, JSON.stringify(schema, null, 2));
  }

  /**
   * Keeps only `eventType`, moved to a random domain, so its subject
   * (com.crossdock.<random>.<EventType>) is new to any registry: throwaway schemas never touch the
   * real subjects.
   */
  isolate(eventType: string): { subject: string; domain: string } {
    const doc = this.catalogDoc();
    const e = doc.events.find((x) => x.eventType === eventType)!;
    const domain = `t${crypto.randomBytes(5).toString('hex')}`;
    const from = path.join(this.dir, e.domain, eventType);
    const to = path.join(this.dir, domain, eventType);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(from, to);
    for (const f of fs.readdirSync(to).filter((n) => n.endsWith('.avsc'))) {
      const schema = JSON.parse(fs.readFileSync(path.join(to, f), 'utf8')) as Json;
      schema.namespace = `com.crossdock.${domain}`;
      fs.writeFileSync(path.join(to, f), JSON.stringify(schema, null, 2));
    }
    for (const d of fs.readdirSync(this.dir, { withFileTypes: true })) {
      if (d.isDirectory() && d.name !== 'common' && d.name !== domain)
        fs.rmSync(path.join(this.dir, d.name), { recursive: true });
    }
    e.domain = domain;
    e.subject = `com.crossdock.${domain}.${eventType}`;
    this.writeCatalog({ ...doc, events: [e] });
    return { subject: e.subject as string, domain };
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The field of a record schema by name (throws when absent: a broken test, not a finding). */
export function field(schema: { fields: Field[] }, name: string): Field {
  const f = schema.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

/** The record type inside `lines: array<record>`. */
export function lineRecord(schema: { fields: Field[] }, name = 'lines'): { fields: Field[]; name: string } {
  return (field(schema, name).type as { items: { fields: Field[]; name: string } }).items;
}
