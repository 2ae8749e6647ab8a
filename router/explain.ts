import { avroType, frame } from '../core/avro';
import type { Clock } from '../core/clock';
import type { HubConfig } from '../core/config';
import { headersToStrings } from '../core/dead-letters';
import { HUB_SITE_ID } from '../core/hub-site';
import { nearestName } from '../core/nearest';
import { topics } from '../core/names/topics';
import type { ResolvedSchema } from '../core/registry';
import {
  businessKey,
  currentVersion,
  explainInvalid,
  type Catalog,
  type CatalogEntry,
  type CatalogVersion,
} from '../schemas';
import { routerCatalog } from './catalog';
import { explainCases, type EventCase, type ExplainCase } from './explain-input';
import { compileRoutes, type RouteVerdict } from './match';
import { unknownSite } from './site-check';
import { createValidator } from './validate';

/**
 * `crossdock routes test`: the router's whole verdict on an event, without Kafka, Redis or the
 * registry. The event (JSON) is written as Avro with the catalog version it claims, from the
 * canonical schemas of the given catalog, framed and handed as an ingress record to the router's
 * own site check and validator (router/site-check.ts, router/validate.ts: metadata, type, site,
 * headers, key, data rules) and then to its route matching (router/match.ts). Only the duplicate
 * check (Redis) is left out. An event of the hub's own site `crossdock` (a FlowAlertRaised) is
 * explained as read from the flow alerts topic, every other as read from its site's ingress topic. See router/explain-input.ts for the input shapes.
 */

export type ExplainOutcome =
  /** Valid, and at least one route selects a subscriber. */
  | 'routed'
  /** Valid, but no route matches (counted, and sent to the unrouted topic when configured). */
  | 'unrouted'
  /** The router would write it to its DLQ with `code`. */
  | 'dead-lettered'
  /** It never reaches the router: the site connector or the SDK refuses it (`code`). */
  | 'refused';

export interface EventVerdict {
  /** Where in the input it comes from. */
  label: string;
  outcome: ExplainOutcome;
  eventId?: string;
  eventType?: string;
  siteId?: string;
  /** The catalog record and version it was written with. */
  schema?: { subject: string; version: number; status: string };
  /** Why it is dead-lettered or refused: the code the router (or the connector) uses. */
  code?: string;
  /** The check that refused it (the router's cd-error-stage, or `connector` / `producer`). */
  stage?: string;
  reason?: string;
  subscribers: Array<{ id: string; route: string; topic: string }>;
  /** Every route's verdict (only when the event is valid). */
  routes: RouteVerdict[];
  note?: string;
}

export interface RoutesTestResult {
  /** True when every event would be routed (or counted as unrouted): nothing dead-lettered or refused. */
  ok: boolean;
  events: EventVerdict[];
}

export interface ExplainDeps {
  /** The event catalog (the canonical schemas: loadCatalog()). */
  catalog: Catalog;
  clock: Clock;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The closest catalog event type, when one is close enough to be a misspelling. */
export function closestEventType(catalog: Pick<Catalog, 'entries'>, name: string): string | undefined {
  return nearestName(
    name,
    catalog.entries.map((e) => e.eventType),
    4,
  );
}

/** One explainer per configuration and catalog: the router's validator and routes, compiled once. */
export function createExplainer(config: HubConfig, deps: ExplainDeps) {
  const names = topics(config);
  const router = compileRoutes(config);
  // The canonical schemas stand in for the registry: one local id per catalog version.
  const byId = new Map<number, ResolvedSchema>();
  const idOf = new Map<CatalogVersion, number>();
  const schemaId = (entry: CatalogEntry, v: CatalogVersion): number => {
    let id = idOf.get(v);
    if (id === undefined) {
      id = byId.size + 1;
      idOf.set(v, id);
      byId.set(id, { schema: v.schema, type: avroType(v.schema), subject: entry.subject });
    }
    return id;
  };
  const validator = createValidator({
    config,
    resolver: {
      getSchemaById: (id) => Promise.resolve(byId.get(id)!),
    },
    catalog: routerCatalog(deps.catalog),
    clock: deps.clock,
    convertAll: router.usesFields,
  });

  const verdict = (c: EventCase, v: Partial<EventVerdict> & Pick<EventVerdict, 'outcome'>): EventVerdict => {
    const m = c.event.metadata as Record<string, unknown>;
    const { outcome, code, ...rest } = v;
    return {
      label: c.label,
      outcome,
      ...(code ? { code } : {}),
      ...(str(m.eventId) ? { eventId: str(m.eventId) } : {}),
      ...(str(m.eventType) ? { eventType: str(m.eventType) } : {}),
      subscribers: [],
      routes: [],
      ...rest,
    };
  };

  async function explainEvent(c: EventCase): Promise<EventVerdict> {
    const meta = c.event.metadata as Record<string, unknown>;
    const siteId = c.siteId ?? str(meta.siteId);
    if (!siteId)
      return verdict(c, {
        outcome: 'dead-lettered',
        code: 'CD_E_BAD_METADATA',
        stage: 'router.metadata',
        reason: 'metadata.siteId is empty and no siteId says which ingress topic it arrives on',
      });
    // The topic an event of this site arrives on: the hub's own site's is the flow alerts topic.
    const topic = siteId === HUB_SITE_ID ? names.flowAlerts : names.ingress(siteId);
    const site = unknownSite(config, siteId, topic);
    if (site)
      return verdict(c, {
        siteId,
        outcome: 'dead-lettered',
        stage: 'router.site',
        code: site.code,
        reason: site.message,
      });

    // The record it is written as: the claimed subject, else the catalog entry of its event type.
    const eventType = str(meta.eventType);
    const entry = c.subject
      ? deps.catalog.bySubject(c.subject)
      : eventType
        ? deps.catalog.byEventType(eventType)
        : undefined;
    if (!entry) {
      const named = c.subject ? `subject ${c.subject}` : `event type ${JSON.stringify(eventType ?? '')}`;
      const near = !c.subject && eventType ? closestEventType(deps.catalog, eventType) : undefined;
      return verdict(c, {
        siteId,
        outcome: 'dead-lettered',
        stage: 'router.schema',
        code: 'CD_E_UNKNOWN_EVENT_TYPE',
        reason: `${named} is not in the event catalog${near ? ` (did you mean ${near}?)` : ''}`,
        note: 'the SDK and the site connectors refuse an unknown type (CD_E_INPUT_UNKNOWN_EVENT_TYPE); bytes written with a schema outside the catalog wait hub.router.unknownVersionGraceMs in the router, then go to its DLQ with this code',
      });
    }
    const version =
      c.version === undefined ? currentVersion(entry) : entry.versions.find((v) => v.version === c.version);
    if (!version)
      return verdict(c, {
        siteId,
        outcome: 'dead-lettered',
        stage: 'router.schema',
        code: 'CD_E_UNKNOWN_SCHEMA_VERSION',
        reason: `${entry.subject} has no catalog version ${c.version ?? '(none active)'}; versions: ${entry.versions.map((v) => `v${v.version} ${v.status}`).join(', ')}`,
        note: 'the router holds it for hub.router.unknownVersionGraceMs (a push may be on its way), then dead-letters it',
      });
    const schema = { subject: entry.subject, version: version.version, status: version.status };

    // Written as Avro the way a producer would: what does not fit never reaches the router.
    const type = byId.get(schemaId(entry, version))!.type;
    const problems = explainInvalid(type, c.event);
    let body: Buffer | undefined;
    if (!problems.length) {
      try {
        body = type.toBuffer(c.event);
      } catch (err) {
        problems.push({ path: '(root)', reason: err instanceof Error ? err.message : String(err) });
      }
    }
    if (!body)
      return verdict(c, {
        siteId,
        schema,
        outcome: 'refused',
        stage: 'producer',
        code: 'CD_E_INPUT_REJECTED',
        reason: `does not fit ${entry.subject} v${version.version}: ${problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`,
        note: 'it cannot be written as Avro with that schema: the SDK and the site connectors refuse it, so the router never sees it',
      });

    let key = c.key;
    if (key === undefined) {
      try {
        key = businessKey(entry, c.event);
      } catch {
        key = undefined; // the router's key check names what is missing
      }
    }
    const record = {
      topic,
      partition: 0,
      offset: '0',
      key: key === undefined ? null : Buffer.from(key, 'utf8'),
      value: frame(schemaId(entry, version), body),
      ...(Object.keys(c.headers).length ? { headers: c.headers } : {}),
    };
    const v = await validator.validate(record, siteId);
    if (!v.ok)
      return verdict(c, {
        siteId,
        schema,
        outcome: 'dead-lettered',
        code: v.rejection.code,
        stage: v.rejection.stage,
        reason: v.rejection.message,
      });
    const headers = router.usesHeaders ? headersToStrings(record.headers) : {};
    const d = router.decide({ eventType: v.valid.identity.eventType, siteId, headers, event: v.valid.event });
    const routed = d.subscribers.length > 0;
    return verdict(c, {
      siteId,
      schema,
      outcome: routed ? 'routed' : 'unrouted',
      subscribers: d.subscribers.map((id) => ({ id, route: d.routeOf[id]!, topic: names.deliver(id) })),
      routes: d.verdicts,
      ...(routed
        ? {}
        : {
            note: config.hub.router.sendUnrouted
              ? `no route matches: counted and sent to ${names.unrouted}`
              : 'no route matches: counted (hub.router.sendUnrouted is false)',
          }),
    });
  }

  function explainRefused(c: Extract<ExplainCase, { kind: 'refused' }>): EventVerdict {
    return {
      label: c.label,
      outcome: 'refused',
      ...(c.siteId ? { siteId: c.siteId } : {}),
      stage: 'connector',
      code: c.problems[0]!.code,
      reason: c.problems
        .map(
          (p) =>
            `${p.path} ${p.code}${p.expected ? `: expected ${p.expected}` : ''}${p.got ? `, got ${p.got}` : ''}`,
        )
        .join('; '),
      subscribers: [],
      routes: [],
      note: 'the site connector refused this input: nothing reaches the router',
    };
  }

  return {
    /** The verdict on every event of an input (any shape of router/explain-input.ts). */
    async explain(input: unknown): Promise<RoutesTestResult> {
      const events: EventVerdict[] = [];
      for (const c of explainCases(input))
        events.push(c.kind === 'refused' ? explainRefused(c) : await explainEvent(c));
      return {
        ok: events.every((e) => e.outcome === 'routed' || e.outcome === 'unrouted'),
        events,
      };
    },
  };
}

export type Explainer = ReturnType<typeof createExplainer>;
