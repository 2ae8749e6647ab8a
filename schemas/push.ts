/**
 * `crossdock schemas push` and `schemas list`: the catalog against a Confluent-compatible registry.
 *
 * Push registers every active and deprecated version, oldest first, under its record-name subject,
 * and sets the subject's compatibility from the catalog. It is idempotent: a version the registry
 * already holds is looked up, not registered again, and the compatibility is only written when it
 * differs, so a second run changes nothing and prints the same ids.
 */
import { CrossdockError } from '../core/errors';
import { eventLogger, type EventLogger } from '../core/log-events';
import { silentLogger, type Logger } from '../core/logger';
import { registryConnection } from '../core/connection';
import { registryRequest, type RegistryTarget } from '../core/registry';
import {
  loadCatalog,
  type Catalog,
  type CatalogEntry,
  type CatalogVersion,
  type Compatibility,
  type VersionStatus,
} from './catalog';
import { registryMessage } from './codec';
import { SCHEMAS_LOG_EVENTS } from './log-events';

export interface PushedVersion {
  version: number;
  status: VersionStatus;
  /** The registry's version number under the subject. */
  registryVersion: number;
  schemaId: number;
  /** True when this run registered it; false when the registry already had it. */
  created: boolean;
}

export interface PushedSubject {
  subject: string;
  eventType: string;
  compatibility: Compatibility;
  /** True when this run changed the subject's compatibility setting. */
  compatibilityChanged: boolean;
  versions: PushedVersion[];
  /** Retired versions, which are not registered. */
  skipped: number[];
}

export interface PushOptions {
  /** The registry: Endpoints.registry (auth, CA), or a bare URL in tests. */
  registry: RegistryTarget;
  /** @defaultValue loadCatalog() */
  catalog?: Catalog;
  /** Only these event types or subjects. @defaultValue all */
  only?: string[];
  /** Where the changes a push makes are logged (schemas/log-events.ts). @defaultValue silentLogger() */
  logger?: Logger;
}

const enc = encodeURIComponent;

/** What the registry holds for this exact schema under the subject, or undefined. */
export async function lookupVersion(
  registry: RegistryTarget,
  subject: string,
  version: CatalogVersion,
): Promise<{ id: number; version: number } | undefined> {
  const reply = await registryRequest(registry, 'POST', `/subjects/${enc(subject)}`, {
    schema: JSON.stringify(version.schema),
  });
  if (reply.status === 200) {
    const b = reply.body as { id: number; version: number };
    return { id: b.id, version: b.version };
  }
  if (reply.status === 404) return undefined;
  throw new CrossdockError(
    'CD_E_REGISTRY_REJECTED',
    `registry answered ${reply.status} looking up ${subject}: ${registryMessage(reply.body)}`,
    { details: { subject, status: reply.status, body: reply.body } },
  );
}

async function subjectCompatibility(registry: RegistryTarget, subject: string): Promise<string | undefined> {
  const reply = await registryRequest(registry, 'GET', `/config/${enc(subject)}`);
  if (reply.status !== 200) return undefined;
  return (reply.body as { compatibilityLevel?: string }).compatibilityLevel;
}

/**
 * Writes the subject's mode; true when it differed. Written even when the GET already answers the
 * mode, because registries answer the global default for subjects without their own setting
 * (Apicurio does not honour defaultToGlobal=false), and a later global change must not move ours.
 */
async function setCompatibility(
  registry: RegistryTarget,
  subject: string,
  mode: Compatibility,
): Promise<boolean> {
  const before = await subjectCompatibility(registry, subject);
  const reply = await registryRequest(registry, 'PUT', `/config/${enc(subject)}`, { compatibility: mode });
  if (reply.status === 200) return before !== mode;
  if (reply.status === 404) return false; // subject not created yet: set after its first version
  throw new CrossdockError(
    'CD_E_REGISTRY_REJECTED',
    `registry refused compatibility ${mode} for ${subject} (${reply.status}): ${registryMessage(reply.body)}`,
    { details: { subject, status: reply.status } },
  );
}

function pushable(v: CatalogVersion): boolean {
  return v.status === 'active' || v.status === 'deprecated';
}

async function pushEntry(
  registry: RegistryTarget,
  entry: CatalogEntry,
  log: EventLogger<typeof SCHEMAS_LOG_EVENTS>,
): Promise<PushedSubject> {
  const { subject } = entry;
  // Set the mode first so the registry checks the new versions by the catalog's rule; a subject
  // that does not exist yet gets it right after its first version.
  let compatibilityChanged = await setCompatibility(registry, subject, entry.compatibility);
  const versions: PushedVersion[] = [];
  for (const v of entry.versions.filter(pushable)) {
    const known = await lookupVersion(registry, subject, v);
    if (known) {
      versions.push({
        version: v.version,
        status: v.status,
        registryVersion: known.version,
        schemaId: known.id,
        created: false,
      });
      continue;
    }
    const reply = await registryRequest(registry, 'POST', `/subjects/${enc(subject)}/versions`, {
      schema: JSON.stringify(v.schema),
    });
    if (reply.status === 409 || reply.status === 422) {
      throw new CrossdockError(
        reply.status === 409 ? 'CD_E_SCHEMA_INCOMPATIBLE' : 'CD_E_REGISTRY_REJECTED',
        `registry refused ${subject} ${entry.eventType} v${v.version} (${v.file}) under ${entry.compatibility}: ${registryMessage(reply.body)}. Run \`crossdock schemas check\` for a field-by-field explanation.`,
        {
          details: {
            subject,
            eventType: entry.eventType,
            version: v.version,
            file: v.file,
            compatibility: entry.compatibility,
            status: reply.status,
            registry: reply.body,
          },
        },
      );
    }
    if (reply.status !== 200) {
      throw new CrossdockError(
        'CD_E_REGISTRY_REJECTED',
        `registry answered ${reply.status} registering ${subject} v${v.version}: ${registryMessage(reply.body)}`,
        { details: { subject, version: v.version, status: reply.status } },
      );
    }
    const after = await lookupVersion(registry, subject, v);
    const schemaId = (reply.body as { id: number }).id;
    versions.push({
      version: v.version,
      status: v.status,
      registryVersion: after?.version ?? -1,
      schemaId,
      created: true,
    });
    log.emit(
      'schemas.version_registered',
      {
        subject,
        eventType: entry.eventType,
        version: v.version,
        schemaId,
        registryVersion: after?.version ?? -1,
      },
      `registered ${entry.eventType} v${v.version} as ${subject} (schema id ${schemaId})`,
    );
    if (versions.length === 1)
      compatibilityChanged =
        (await setCompatibility(registry, subject, entry.compatibility)) || compatibilityChanged;
  }
  if (compatibilityChanged)
    log.emit(
      'schemas.compatibility_changed',
      { subject, compatibility: entry.compatibility },
      `${subject} compatibility set to ${entry.compatibility}`,
    );
  const skipped = entry.versions.filter((v) => !pushable(v)).map((v) => v.version);
  return {
    subject,
    eventType: entry.eventType,
    compatibility: entry.compatibility,
    compatibilityChanged,
    versions,
    skipped,
  };
}

/** Pushes the catalog; stops at the first refused version (its error names subject and version). */
export async function pushSchemas(
  options: PushOptions,
): Promise<{ registryUrl: string; subjects: PushedSubject[] }> {
  const catalog = options.catalog ?? loadCatalog();
  const entries = options.only
    ? catalog.entries.filter((e) => options.only!.includes(e.eventType) || options.only!.includes(e.subject))
    : catalog.entries;
  const log = eventLogger(options.logger ?? silentLogger(), SCHEMAS_LOG_EVENTS);
  const subjects: PushedSubject[] = [];
  for (const entry of entries) subjects.push(await pushEntry(options.registry, entry, log));
  return { registryUrl: registryConnection(options.registry).url, subjects };
}

export interface ListedVersion {
  version: number;
  status: VersionStatus;
  since?: string;
  retireAfter?: string;
  file: string;
  /** Registry id and version; null when not registered, undefined when the registry was not asked. */
  registry?: { schemaId: number; registryVersion: number } | null;
}

export interface ListedEntry {
  eventType: string;
  subject: string;
  domain: string;
  owner: string;
  keyFields: string[];
  compatibility: Compatibility;
  tier: string;
  /** The subject's compatibility in the registry, when asked. */
  registryCompatibility?: string | null;
  versions: ListedVersion[];
}

/** The catalog with registry ids (when `registry` is given). */
export async function listSchemas(
  options: { registry?: RegistryTarget; catalog?: Catalog } = {},
): Promise<ListedEntry[]> {
  const catalog = options.catalog ?? loadCatalog();
  const out: ListedEntry[] = [];
  for (const e of catalog.entries) {
    const versions: ListedVersion[] = [];
    for (const v of e.versions) {
      const item: ListedVersion = {
        version: v.version,
        status: v.status,
        file: v.file,
        ...(v.since ? { since: v.since } : {}),
        ...(v.retireAfter ? { retireAfter: v.retireAfter } : {}),
      };
      if (options.registry) {
        const found = await lookupVersion(options.registry, e.subject, v);
        item.registry = found ? { schemaId: found.id, registryVersion: found.version } : null;
      }
      versions.push(item);
    }
    const registryCompatibility = options.registry
      ? ((await subjectCompatibility(options.registry, e.subject)) ?? null)
      : undefined;
    out.push({
      eventType: e.eventType,
      subject: e.subject,
      domain: e.domain,
      owner: e.owner,
      keyFields: e.keyFields,
      compatibility: e.compatibility,
      tier: e.tier,
      ...(registryCompatibility !== undefined ? { registryCompatibility } : {}),
      versions,
    });
  }
  return out;
}
