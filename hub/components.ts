import type { ComponentDeps, HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import { replicaAckOf, sinkConnectorComponent } from '../connectors/sinks';
import { createSourceComponents, type SourceComponent } from '../connectors/sources';
import { dlqIndexerComponent, replayRunnerComponent } from '../dlq';
import { createFlowTracker, hubFlowEngine } from '../flows';
import { createRouter, type RouterComponent } from '../router';

/** What every component factory is handed: the shared dependencies and the loaded configuration. */
export interface ComponentContext extends ComponentDeps {
  config: HubConfig;
}

/**
 * The router as this hub runs it (`crossdock start` and `crossdock router`). Its Redis keys, like
 * every part's, start with the prefix core/names derives from hub.topicPrefix.
 */
export function routerComponent(ctx: ComponentContext): RouterComponent {
  return createRouter(ctx);
}

/**
 * One group of the parts `crossdock start` runs, cut into units: a unit's components are created,
 * started and stopped together, and a unit is replaced when the part of the configuration it
 * depends on (its fingerprint) changes while the hub runs (hub/live.ts).
 */
export interface ComponentGroup {
  name: string;
  /**
   * The group's units for a configuration: unit id → fingerprint (the JSON of what its components
   * depend on). No side effects: called on configurations that may never run.
   */
  units(config: HubConfig): Map<string, string>;
  /** The components of one unit (none when the configuration does not call for any). */
  create(ctx: ComponentContext, unit: string): HubComponent[];
  /**
   * Takes a changed configuration in place instead of replacing the unit (the router swaps its
   * routes at a batch boundary rather than dropping its consumer group membership; HTTP ingest
   * swaps its sites and keys). `false`: this change cannot be taken in place (nothing was
   * changed); the unit is replaced.
   */
  reconfigure?(components: readonly HubComponent[], next: HubConfig): Promise<boolean | void>;
}

const json = (v: unknown) => JSON.stringify(v);

/**
 * The parts `crossdock start` runs in one process, in start order (stopped in reverse). Each part
 * adds itself with one entry.
 */
export const HUB_COMPONENTS: readonly ComponentGroup[] = [
  {
    name: 'sources',
    // HTTP ingest and the CSV drop folders serve every site together: one unit.
    units: (config) => new Map([['sources', json(config.sites)]]),
    create: (ctx) => createSourceComponents(ctx),
    // In place when the same components stay and the CSV sites are unchanged: HTTP ingest takes
    // the new sites and keys without closing its listener (a key rotation refuses no request).
    // Otherwise (an HTTP or CSV part appears or goes, a CSV site changes) the unit is replaced.
    reconfigure: async (components, next) => {
      const list = components as readonly SourceComponent[];
      const kinds = new Set(next.sites.map((s) => (s.connector as { kind: string }).kind));
      const want = ['http-ingest', 'csv-drop-folder'].filter((n) =>
        kinds.has(n === 'http-ingest' ? 'http' : 'csv'),
      );
      if (list.map((c) => c.name).join() !== want.join()) return false;
      if (list.some((c) => c.name === 'csv-drop-folder' && !c.unchangedBy?.(next))) return false;
      for (const c of list) if (c.reconfigure) await c.reconfigure(next);
      return true;
    },
  },
  {
    name: 'router',
    units: (config) =>
      new Map([
        ['router', json([config.sites, config.subscribers.map((s) => s.id), config.routes, config.rules])],
      ]),
    create: (ctx) => [routerComponent(ctx)],
    reconfigure: async (components, next) => {
      for (const c of components) await (c as RouterComponent).reconfigure(next);
    },
  },
  {
    name: 'connectors',
    units: (config) => new Map(config.subscribers.map((s) => [s.id, json(s)])),
    create: (ctx, id) => {
      const s = ctx.config.subscriberById[id];
      return s
        ? [
            sinkConnectorComponent(s, ctx, {
              topicPrefix: ctx.config.hub.topicPrefix,
              replicaAck: replicaAckOf(ctx.config.redis),
              client: ctx.config.hub.kafka.clients.connectors,
            }),
          ]
        : [];
    },
  },
  {
    name: 'dlq',
    // The indexer follows the router's and each subscriber's dead-letter topic; service levels
    // (deadLetters) set the due time of what it indexes.
    // The replay runner checks each item against subscribers, routes, rules and the replay limits:
    // a change of those replaces it (it finishes the batch in hand and lets go of its jobs, the new
    // one takes them over from their cursors).
    units: (config) =>
      new Map([
        ['dlq-indexer', json([config.subscribers.map((s) => s.id), config.deadLetters])],
        ['replay', json([config.sites, config.subscribers, config.routes, config.rules, config.deadLetters])],
      ]),
    create: (ctx, unit) =>
      unit === 'replay'
        ? [replayRunnerComponent(ctx)]
        : [dlqIndexerComponent({ ...ctx, config: () => ctx.config })],
  },
  {
    name: 'flows',
    // The flow tracker: the feed, the scorecard recorder, the flow engine and its deadline scanner.
    // It runs with no flow configured too (the scorecards need the feed). Replaced when the flows
    // change, or the sites' ids or groups (the deadlines by site group).
    units: (config) =>
      new Map([['flow-tracker', json([config.flows, config.sites.map((s) => [s.id, s.groups])])]]),
    create: (ctx) => [createFlowTracker({ ...ctx, engine: hubFlowEngine(ctx) })],
  },
];

/**
 * The CSV drop folders without HTTP ingest, for `crossdock start --only csv` where HTTP ingest runs
 * as `crossdock ingest` copies of its own. Not part of the whole hub (`sources` has both). A
 * change of the CSV sites replaces the unit.
 */
const CSV_ONLY: ComponentGroup = {
  name: 'csv',
  units: (config) =>
    new Map([['csv', json(config.sites.filter((s) => (s.connector as { kind: string }).kind === 'csv'))]]),
  create: (ctx) => createSourceComponents(ctx).filter((c) => c.name === 'csv-drop-folder'),
};

/** The names of the parts `crossdock start --only` can choose among. */
export const HUB_PARTS: readonly string[] = [...HUB_COMPONENTS.map((g) => g.name), CSV_ONLY.name];

/**
 * The groups one process runs: every group of HUB_COMPONENTS, or those named (`crossdock start
 * --only csv,dlq,flows`), in start order whatever the order given (`csv` where `sources` stands).
 */
export function hubParts(only?: readonly string[]): readonly ComponentGroup[] {
  if (!only) return HUB_COMPONENTS;
  return HUB_COMPONENTS.flatMap((g) =>
    only.includes(g.name) ? [g] : g.name === 'sources' && only.includes(CSV_ONLY.name) ? [CSV_ONLY] : [],
  );
}

/** Every component of HUB_COMPONENTS for this configuration, in start order. */
export function hubComponents(ctx: ComponentContext): HubComponent[] {
  return HUB_COMPONENTS.flatMap((g) => [...g.units(ctx.config).keys()].flatMap((u) => g.create(ctx, u)));
}
