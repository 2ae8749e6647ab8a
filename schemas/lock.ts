/**
 * schemas/catalog.lock.json: the fingerprint of every published version, committed with the
 * catalog. A published version is immutable — producers and archived data depend on its exact
 * form — so `crossdock schemas check` compares each version's Avro canonical-form fingerprint
 * (sha256; docs and custom attributes do not count) with the lock and refuses an in-place edit or
 * a removed version, naming the file and telling to add a version instead. `crossdock schemas
 * lock` and `crossdock schemas push` add new versions to the lock; they never overwrite one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Catalog, Problem } from './catalog';
import { typeOf } from './codec';

export const LOCK_FILE = 'catalog.lock.json';

export interface CatalogLock {
  /** subject → version number (as a string) → sha256 canonical-form fingerprint (hex). */
  versions: Record<string, Record<string, string>>;
}

const NOTE =
  'Fingerprints (sha256 of the Avro canonical form) of published versions. Written by `crossdock schemas lock` and `schemas push`; checked by `schemas check`. Never edit a published version: add one.';

export function fingerprintOf(schema: object): string {
  return typeOf(schema).fingerprint('sha256').toString('hex');
}

/** The lock of a folder; undefined when it has none (nothing published from it yet). */
export function readLock(dir: string): CatalogLock | undefined {
  const file = path.join(dir, LOCK_FILE);
  if (!fs.existsSync(file)) return undefined;
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CatalogLock>;
  return { versions: doc.versions ?? {} };
}

/** Every version of the catalog with its fingerprint, as a lock. */
export function lockOf(catalog: Pick<Catalog, 'entries'>): CatalogLock {
  const versions: CatalogLock['versions'] = {};
  for (const e of catalog.entries) {
    const byVersion: Record<string, string> = {};
    for (const v of e.versions) byVersion[String(v.version)] = fingerprintOf(v.schema);
    versions[e.subject] = byVersion;
  }
  return { versions };
}

/**
 * Problems of the catalog against the lock: a locked version whose file now has another
 * fingerprint (rule published-version-edited) or that is gone (published-version-removed).
 * Versions the lock does not hold yet are fine (they are new).
 */
export function compareWithLock(catalog: Pick<Catalog, 'entries'>, lock: CatalogLock): Problem[] {
  const problems: Problem[] = [];
  for (const [subject, locked] of Object.entries(lock.versions)) {
    const entry = catalog.entries.find((e) => e.subject === subject);
    for (const [n, want] of Object.entries(locked)) {
      const version = entry?.versions.find((v) => String(v.version) === n);
      if (!version) {
        problems.push({
          rule: 'published-version-removed',
          file: 'catalog.yaml',
          path: subject,
          message: `CD_E_PUBLISHED_VERSION_CHANGED: ${subject} v${n} was published (${LOCK_FILE}) but is no longer in the catalog; keep it and mark it deprecated or retired instead`,
        });
        continue;
      }
      const have = fingerprintOf(version.schema);
      if (have !== want) {
        const next = Math.max(...entry!.versions.map((v) => v.version)) + 1;
        problems.push({
          rule: 'published-version-edited',
          file: version.file,
          path: '',
          message: `CD_E_PUBLISHED_VERSION_CHANGED: ${version.file} (${entry!.eventType} v${n}) was changed after it was published (fingerprint ${want.slice(0, 12)}… in ${LOCK_FILE}, now ${have.slice(0, 12)}…). A published version never changes: restore the file and add the change as v${next} (${path.posix.dirname(version.file)}/v${next}.avsc and a \`version: ${next}\` line in catalog.yaml)`,
        });
      }
    }
  }
  return problems;
}

/**
 * Adds the catalog's versions that the lock lacks and writes it; a locked fingerprint is never
 * replaced (compareWithLock() reports those). Returns the versions added, as `subject vN`.
 */
export function writeLock(dir: string, catalog: Pick<Catalog, 'entries'>): string[] {
  const lock = readLock(dir) ?? { versions: {} };
  const now = lockOf(catalog);
  const added: string[] = [];
  for (const [subject, versions] of Object.entries(now.versions)) {
    const locked = (lock.versions[subject] ??= {});
    for (const [n, fp] of Object.entries(versions))
      if (locked[n] === undefined) {
        locked[n] = fp;
        added.push(`${subject} v${n}`);
      }
  }
  const sorted: CatalogLock['versions'] = {};
  for (const subject of Object.keys(lock.versions).sort()) {
    const byVersion = lock.versions[subject]!;
    sorted[subject] = Object.fromEntries(
      Object.keys(byVersion)
        .sort((a, b) => Number(a) - Number(b))
        .map((n) => [n, byVersion[n]!]),
    );
  }
  fs.writeFileSync(
    path.join(dir, LOCK_FILE),
    `${JSON.stringify({ $comment: NOTE, versions: sorted }, null, 2)}\n`,
  );
  return added;
}
