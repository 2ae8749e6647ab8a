import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { toJsonSafe, unframe } from '../core/avro';
import type { Clock } from '../core/clock';
import type { HubConfig } from '../core/config';
import { HUB_SITE_ID } from '../core/hub-site';
import { isCrossdockError } from '../core/errors';
import type { ResolvedSchema, SchemaResolver } from '../core/registry';
import type { EventMetadata } from '../schemas';
import type { RouterCatalog, SchemaIdentity } from './catalog';
import { keyReadsPlainValues, liteTypeOf } from './decode';
import { headerEquals, headerMismatch, headerValue } from './header-checks';
import { unknownSite } from './site-check';
import type { IngressRecord, Rejection, ValidEvent, Verdict } from './verdict';

/**
 * The validation pipeline: a list of small checks run in order over one ingress record. The
 * first failing check decides the record's fate with its stable code; a check that cannot decide
 * because a dependency is down (registry) throws a retriable error instead, and the caller
 * pauses and retries the batch: an outage never dead-letters anything.
 */

export type { IngressRecord, EventMetadata, ValidEvent, Rejection, Verdict } from './verdict';
export { headerValue, VALIDATED_HEADERS } from './header-checks';

interface Draft {
  record: IngressRecord;
  siteId: string;
  value?: Buffer;
  schemaId?: number;
  body?: Buffer;
  identity?: SchemaIdentity;
  event?: Record<string, unknown>;
  converted?: boolean;
  metadata?: EventMetadata;
  key?: string;
}

type CheckResult = Omit<Rejection, 'stage' | 'eventId' | 'correlationId' | 'eventType'> | undefined;
interface Check {
  stage: string;
  run(d: Draft): CheckResult | Promise<CheckResult>;
}

const SITE_STAGE = 'router.site';
const NON_EMPTY_METADATA = ['sourceSystem', 'correlationId', 'siteId'] as const;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Events from before this are taken as a unit or clock bug (seconds read as ms, year 1970). */
const OLDEST_SANE_MS = Date.UTC(2000, 0, 1);

export interface ValidatorDeps {
  config: Pick<HubConfig, 'hub' | 'rules' | 'siteById'>;
  resolver: SchemaResolver;
  catalog: RouterCatalog;
  clock: Clock;
  /**
   * Decode every event with converted logical types, even when no data rule needs them (set it
   * when a route tests payload fields, which see the converted values). @defaultValue false
   */
  convertAll?: boolean;
}

export interface Validator {
  /**
   * The verdict on one record: synchronous when the schema id is already known (the usual
   * case), a Promise when the registry must be asked first. Either can be awaited.
   */
  validate(record: IngressRecord, siteId: string): Verdict | Promise<Verdict>;
}

/** Schemas resolved by this validator, by id, kept at most this many (ids are immutable). */
const MAX_KNOWN_SCHEMAS = 1000;

function compileRules(
  rules: HubConfig['rules'],
): Map<string, Array<{ name: string; check: ValidateFunction }>> {
  const ajv = new Ajv({ allErrors: false, allowUnionTypes: true, strict: true, strictTypes: false });
  addFormats(ajv);
  const out = new Map<string, Array<{ name: string; check: ValidateFunction }>>();
  for (const [type, list] of Object.entries(rules))
    out.set(
      type,
      list.map((r) => ({ name: r.name, check: ajv.compile(r.schema) })),
    );
  return out;
}

export function createValidator(deps: ValidatorDeps): Validator {
  const { hub } = deps.config;
  const rules = compileRules(deps.config.rules);
  const schemas = new Map<number, ResolvedSchema>();
  const kept = new WeakMap<SchemaIdentity, string[]>();
  /** Top-level fields the checks read: the metadata and the business key's (the rest is skipped). */
  function keptFields(identity: SchemaIdentity): string[] {
    let k = kept.get(identity);
    if (!k) {
      k = [...new Set(['metadata', ...identity.keyFields.map((f) => f.split('.')[0]!)])];
      kept.set(identity, k);
    }
    return k;
  }

  /** A non-retriable CrossdockError is the record's fault; a retriable one (registry down) pauses. */
  function guarded(d: Draft, fn: () => CheckResult): CheckResult {
    try {
      return fn();
    } catch (err) {
      if (isCrossdockError(err) && !err.retriable)
        return { code: err.code, message: err.message, details: { schemaId: d.schemaId } };
      throw err;
    }
  }

  function decodeWith(d: Draft, schema: ResolvedSchema): CheckResult {
    const r = deps.catalog.identify(schema);
    if (!r.ok)
      return {
        code: r.code,
        message: r.message,
        // The subject tells router/catalog-grace.ts that a newer catalog may still name it.
        details: { schemaId: d.schemaId, ...(schema.subject ? { subject: schema.subject } : {}) },
      };
    if (r.identity.status === 'retired') {
      return {
        code: 'CD_E_VERSION_RETIRED',
        message: `${r.identity.eventType} v${r.identity.version} is retired`,
        details: { schemaId: d.schemaId, version: r.identity.version },
      };
    }
    d.identity = r.identity;
    // Converted values only where something reads them (router/decode.ts): data rules, payload
    // routes, a business key through a logical type. Both types accept the same bytes.
    const convert =
      deps.convertAll === true ||
      rules.has(r.identity.eventType) ||
      !keyReadsPlainValues(schema, r.identity.keyFields);
    const type = convert ? schema.type : liteTypeOf(schema, keptFields(r.identity));
    // Decode with the writer schema, then demand that it used every byte: fromBuffer would
    // fold trailing bytes into "undecodable"; an operator acts differently on them.
    let decoded: { value: unknown; offset: number };
    try {
      decoded = type.decode(d.body!, 0);
    } catch (err) {
      return {
        code: 'CD_E_UNDECODABLE_EVENT',
        message: `does not decode as ${schema.subject} (schema id ${d.schemaId}): ${(err as Error).message}`,
      };
    }
    if (decoded.offset < 0)
      return {
        code: 'CD_E_UNDECODABLE_EVENT',
        message: `truncated: the body ends before the ${schema.subject} record does`,
      };
    if (decoded.offset < d.body!.length) {
      return {
        code: 'CD_E_TRAILING_BYTES',
        message: `${d.body!.length - decoded.offset} byte(s) left after the ${schema.subject} record`,
        details: { used: decoded.offset, length: d.body!.length },
      };
    }
    d.event = decoded.value as Record<string, unknown>;
    d.converted = convert;
    if (!convert) {
      // The one timestamp the checks read, as the converting type would give it.
      const m = d.event.metadata as { occurredAt?: unknown } | null | undefined;
      if (m && typeof m === 'object' && typeof m.occurredAt === 'number')
        m.occurredAt = new Date(m.occurredAt);
    }
    return undefined;
  }

  const checks: Check[] = [
    {
      stage: SITE_STAGE,
      run: (d) => unknownSite(deps.config, d.siteId, d.record.topic),
    },
    {
      stage: 'router.size',
      run: (d) => {
        const v = d.record.value;
        if (!v || v.length === 0) return { code: 'CD_E_EMPTY_VALUE', message: 'the record has no value' };
        if (v.length > hub.router.maxEventBytes)
          return {
            code: 'CD_E_EVENT_TOO_LARGE',
            message: `${v.length} bytes, more than hub.router.maxEventBytes=${hub.router.maxEventBytes}`,
          };
        d.value = v;
        return undefined;
      },
    },
    {
      stage: 'router.framing',
      run: (d) => {
        const f = unframe(d.value!);
        if (!f)
          return {
            code: 'CD_E_BAD_FRAMING',
            message: `not Confluent-framed Avro (${d.value!.length} bytes, first byte ${d.value![0]})`,
          };
        if (f.payload.length === 0)
          return { code: 'CD_E_BAD_FRAMING', message: 'framing with an empty Avro body' };
        d.schemaId = f.schemaId;
        d.body = f.payload;
        return undefined;
      },
    },
    {
      stage: 'router.schema',
      run: (d) => {
        // Cached schemas are checked synchronously: no await (and no microtask) per event.
        const known = schemas.get(d.schemaId!);
        if (known) return guarded(d, () => decodeWith(d, known));
        return deps.resolver.getSchemaById(d.schemaId!).then(
          (schema) => {
            if (schemas.size >= MAX_KNOWN_SCHEMAS) schemas.clear();
            schemas.set(d.schemaId!, schema);
            return guarded(d, () => decodeWith(d, schema));
          },
          (err: unknown) =>
            guarded(d, () => {
              throw err;
            }),
        );
      },
    },
    {
      stage: 'router.metadata',
      run: (d) => {
        const m = d.event!.metadata as Partial<EventMetadata> | undefined;
        if (!m || typeof m !== 'object')
          return { code: 'CD_E_BAD_METADATA', message: 'the event has no metadata record' };
        if (typeof m.eventId !== 'string' || !UUID_RE.test(m.eventId))
          return {
            code: 'CD_E_BAD_METADATA',
            message: `metadata.eventId ${JSON.stringify(m.eventId)} is not a UUID`,
          };
        d.metadata = m as EventMetadata;
        const at = m.occurredAt instanceof Date ? m.occurredAt.getTime() : NaN;
        if (!Number.isFinite(at) || at < OLDEST_SANE_MS)
          return {
            code: 'CD_E_BAD_METADATA',
            message: `metadata.occurredAt ${String(m.occurredAt)} is not a plausible time`,
          };
        const ahead = at - deps.clock.now();
        if (ahead > hub.router.maxFutureSkewMs) {
          return {
            code: 'CD_E_OCCURRED_IN_FUTURE',
            message: `metadata.occurredAt is ${Math.round(ahead / 1000)} s ahead of the hub clock (limit ${hub.router.maxFutureSkewMs} ms)`,
          };
        }
        for (const f of NON_EMPTY_METADATA) {
          if (typeof m[f] !== 'string' || m[f] === '')
            return { code: 'CD_E_BAD_METADATA', message: `metadata.${f} is empty` };
        }
        if (m.eventType !== d.identity!.eventType) {
          return {
            code: 'CD_E_TYPE_MISMATCH',
            message: `metadata.eventType ${JSON.stringify(m.eventType)} but the record is ${d.identity!.subject} (${d.identity!.eventType})`,
          };
        }
        if (m.siteId !== d.siteId)
          return {
            code: 'CD_E_SITE_MISMATCH',
            message:
              d.siteId === HUB_SITE_ID
                ? `metadata.siteId ${JSON.stringify(m.siteId)} arrived on ${d.record.topic}, which holds the hub's own events only (metadata.siteId must be ${HUB_SITE_ID})`
                : `metadata.siteId ${JSON.stringify(m.siteId)} arrived on ${d.record.topic} (site ${d.siteId})`,
          };
        return undefined;
      },
    },
    {
      stage: 'router.headers',
      run: (d) => {
        // Headers are optional (a plain Confluent producer sends none); those present must agree.
        // Compared as bytes where the expected text is known (no string per header per event).
        const headers = d.record.headers;
        if (!headers) return undefined;
        const m = d.metadata!;
        const id = d.identity!;
        if (headerEquals(headers, 'ce_specversion', '1.0') === false)
          return headerMismatch('ce_specversion', headerValue(headers, 'ce_specversion')!, '1.0');
        const ceId = headerValue(headers, 'ce_id');
        if (ceId !== undefined && ceId !== m.eventId) return headerMismatch('ce_id', ceId, m.eventId);
        if (
          headerEquals(headers, 'ce_type', id.eventType) === false &&
          headerEquals(headers, 'ce_type', id.subject) === false
        )
          return headerMismatch(
            'ce_type',
            headerValue(headers, 'ce_type')!,
            `${id.eventType} (or ${id.subject})`,
          );
        const ceTime = headerValue(headers, 'ce_time');
        if (ceTime !== undefined && Date.parse(ceTime) !== m.occurredAt.getTime())
          return headerMismatch('ce_time', ceTime, m.occurredAt.toISOString());
        if (headerEquals(headers, 'content-type', 'application/avro') === false) {
          const ct = headerValue(headers, 'content-type')!;
          if (ct.split(';')[0]!.trim().toLowerCase() !== 'application/avro')
            return headerMismatch('content-type', ct, 'application/avro');
        }
        return undefined;
      },
    },
    {
      stage: 'router.key',
      run: (d) => {
        let want: string;
        try {
          want = d.identity!.keyOf(d.event!);
        } catch (err) {
          if (isCrossdockError(err)) return { code: err.code, message: err.message, details: err.details };
          throw err;
        }
        const have = d.record.key?.toString('utf8');
        if (have !== want)
          return {
            code: 'CD_E_KEY_MISMATCH',
            message: `key ${have === undefined ? '(none)' : JSON.stringify(have)}, business key ${JSON.stringify(want)}`,
            details: { key: have ?? null, businessKey: want },
          };
        d.key = want;
        return undefined;
      },
    },
    {
      stage: 'router.rules',
      run: (d) => {
        const list = rules.get(d.identity!.eventType);
        if (!list) return undefined;
        const json = toJsonSafe(d.event);
        for (const rule of list) {
          if (rule.check(json)) continue;
          const e = rule.check.errors?.[0];
          const field = (e?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || '(root)';
          return {
            code: 'CD_E_RULE_VIOLATION',
            message: `rule ${rule.name}: ${field} ${e?.message ?? 'is invalid'}`,
            details: { rule: rule.name, field, reason: e?.message },
          };
        }
        return undefined;
      },
    },
  ];

  function reject(d: Draft, check: Check, r: NonNullable<CheckResult>): Verdict {
    const m = d.metadata ?? (d.event?.metadata as Partial<EventMetadata> | undefined);
    return {
      ok: false,
      rejection: {
        ...r,
        stage: check.stage,
        ...(typeof m?.eventId === 'string' ? { eventId: m.eventId } : {}),
        ...(typeof m?.correlationId === 'string' ? { correlationId: m.correlationId } : {}),
        ...(d.identity ? { eventType: d.identity.eventType } : {}),
      },
    };
  }

  function accept(d: Draft): Verdict {
    // Every check passed, so the draft holds every field of a ValidEvent: hand it over as is
    // (no copy per event).
    d.converted = d.converted === true;
    return { ok: true, valid: d as ValidEvent & Draft };
  }

  /** Runs the checks from `from` on; goes asynchronous only when a check does. */
  function runFrom(d: Draft, from: number): Verdict | Promise<Verdict> {
    for (let i = from; i < checks.length; i++) {
      const check = checks[i]!;
      const r = check.run(d);
      if (r instanceof Promise) return r.then((res) => (res ? reject(d, check, res) : runFrom(d, i + 1)));
      if (r) return reject(d, check, r);
    }
    return accept(d);
  }

  return {
    validate(record, siteId) {
      return runFrom({ record, siteId }, 0);
    },
  };
}
