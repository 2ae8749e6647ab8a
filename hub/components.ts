import type { ComponentDeps, HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import { sinkConnectorComponent } from '../connectors/sinks';
import { createSourceComponents } from '../connectors/sources';
import { dlqIndexerComponent, replayRunnerComponent } from '../dlq';
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
   * routes at a batch boundary rather than dropping its consumer group membership).
   */
  reconfigure?(components: readonly HubComponent[], next: HubConfig): Promise<void>;
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
      return s ? [sinkConnectorComponent(s, ctx, { topicPrefix: ctx.config.hub.topicPrefix })] : [];
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
];

/** Every component of HUB_COMPONENTS for this configuration, in start order. */
export function hubComponents(ctx: ComponentContext): HubComponent[] {
  return HUB_COMPONENTS.flatMap((g) => [...g.units(ctx.config).keys()].flatMap((u) => g.create(ctx, u)));
}
