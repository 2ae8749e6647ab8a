import type { ComponentDeps, HubComponent } from '../core/component';
import type { HealthServer } from '../core/health';
import type { EventLogger } from '../core/log-events';
import type { HubConfig } from '../core/config';
import { createRouter } from '../router';
import { sinkConnectorComponent } from '../connectors/sinks';
import { createSourceComponents } from '../connectors/sources';
import type { CLI_LOG_EVENTS } from './log-events';

/**
 * The parts `crossdock start` runs in one process. Each part adds itself with one line: a name
 * and a factory that returns its components for this configuration (none when the
 * configuration does not call for it).
 */
/**
 * Every Redis key one hub writes starts with its topic prefix (`cd:` by default), so two hubs, or
 * a hub and the tests, never meet on a shared Redis. Sources and sink connectors derive the same
 * prefix themselves; the router is handed it here.
 */
export function hubRedisPrefix(config: HubConfig): string {
  return `${config.hub.topicPrefix}:`;
}

export interface ComponentContext extends ComponentDeps {
  config: HubConfig;
}

export const HUB_COMPONENTS: ReadonlyArray<{
  name: string;
  create: (ctx: ComponentContext) => HubComponent[];
}> = [
  { name: 'sources', create: (ctx) => createSourceComponents(ctx) },
  { name: 'router', create: (ctx) => [createRouter({ ...ctx, keyPrefix: hubRedisPrefix(ctx.config) })] },
  {
    name: 'connectors',
    create: (ctx) =>
      ctx.config.subscribers.map((s) =>
        sinkConnectorComponent(s, ctx, { topicPrefix: ctx.config.hub.topicPrefix }),
      ),
  },
];

/**
 * Starts components in order and stops them in reverse on SIGINT/SIGTERM (or when one fails to
 * start). Resolves when everything has stopped. With a health server, /readyz answers 503 until
 * every component has started (a component's own checks may register only inside its start()).
 */
export async function runComponents(
  components: HubComponent[],
  onStopped: () => Promise<void>,
  log: EventLogger<typeof CLI_LOG_EVENTS>,
  health?: HealthServer,
): Promise<void> {
  const started: HubComponent[] = [];
  let allStarted = false;
  health?.addReadiness('components-started', () => allStarted);
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const c of [...started].reverse())
        await c
          .stop()
          .catch((err: unknown) =>
            log.emit(
              'cli.component_stop_failed',
              { component: c.name, err },
              `stopping ${c.name} failed: ${String(err)}`,
            ),
          );
      await onStopped();
    })());
  let release: () => void = () => undefined;
  const finished = new Promise<void>((r) => (release = r));
  const onSignal = (sig: string) => {
    log.emit('cli.signal_received', { signal: sig }, `${sig}: stopping`);
    void stopAll().then(() => release());
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const c of components) {
      await c.start();
      started.push(c);
    }
    allStarted = true;
  } catch (err) {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw err;
  }
  await finished;
}
