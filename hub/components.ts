import type { ComponentDeps, HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import { sinkConnectorComponent } from '../connectors/sinks';
import { createSourceComponents } from '../connectors/sources';
import { createRouter } from '../router';

/** What every component factory is handed: the shared dependencies and the loaded configuration. */
export interface ComponentContext extends ComponentDeps {
  config: HubConfig;
}

/**
 * The router as this hub runs it (`crossdock start` and `crossdock router`). Its Redis keys, like
 * every part's, start with the prefix core/names derives from hub.topicPrefix.
 */
export function routerComponent(ctx: ComponentContext): HubComponent {
  return createRouter(ctx);
}

/**
 * The parts `crossdock start` runs in one process, in start order (stopped in reverse). Each part
 * adds itself with one line: a name and a factory that returns its components for this
 * configuration (none when the configuration does not call for it).
 */
export const HUB_COMPONENTS: ReadonlyArray<{
  name: string;
  create: (ctx: ComponentContext) => HubComponent[];
}> = [
  { name: 'sources', create: (ctx) => createSourceComponents(ctx) },
  { name: 'router', create: (ctx) => [routerComponent(ctx)] },
  {
    name: 'connectors',
    create: (ctx) =>
      ctx.config.subscribers.map((s) =>
        sinkConnectorComponent(s, ctx, { topicPrefix: ctx.config.hub.topicPrefix }),
      ),
  },
];

/** Every component of HUB_COMPONENTS for this configuration, in start order. */
export function hubComponents(ctx: ComponentContext): HubComponent[] {
  return HUB_COMPONENTS.flatMap((c) => c.create(ctx));
}
