import type { HubComponent } from '../core/component';
import type { HealthServer } from '../core/health';
import { eventLogger } from '../core/log-events';
import type { Logger } from '../core/logger';
import { staticComponents, type ComponentSet } from './live';
import { HUB_LOG_EVENTS } from './log-events';

/** How a run ends besides a failed start. */
export interface RunOptions {
  /** Stops the components when aborted (a program that runs the hub in-process: `crossdock demo`). */
  stop?: AbortSignal;
  /**
   * Stop on SIGINT/SIGTERM. Off for a program that handles the signals itself and stops through
   * `stop`. @defaultValue true
   */
  signals?: boolean;
}

/**
 * Starts components in order and stops them in reverse on SIGINT/SIGTERM (or when one fails to
 * start), or when `options.stop` is aborted. Resolves when everything has stopped. With a health server, /readyz answers 503 until
 * every component has started (a component's own checks may register only inside its start()).
 * `components`: a fixed list, or a set that changes while it runs (hub/live.ts). Logs
 * hub.signal_received and hub.component_stop_failed (hub/log-events.ts) through `logger`.
 */
export async function runComponents(
  components: HubComponent[] | ComponentSet,
  onStopped: () => Promise<void>,
  logger: Logger,
  health?: HealthServer,
  options: RunOptions = {},
): Promise<void> {
  const log = eventLogger(logger, HUB_LOG_EVENTS);
  const set = Array.isArray(components) ? staticComponents(components) : components;
  let allStarted = false;
  health?.addReadiness('components-started', () => allStarted);
  // /status `components.<name>.started` (each component adds its own detail under its name); a
  // set that changes while it runs registers its components itself (hub/start.ts).
  if (Array.isArray(components))
    for (const c of components)
      health?.addStatus('components', c.name, () => ({ started: set.isStarted(c) }));
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      await set.stop((c, err) =>
        log.emit(
          'hub.component_stop_failed',
          { component: c.name, err },
          `stopping ${c.name} failed: ${String(err)}`,
        ),
      );
      await onStopped();
    })());
  let release: () => void = () => undefined;
  const finished = new Promise<void>((r) => (release = r));
  const onSignal = (sig: string) => {
    log.emit('hub.signal_received', { signal: sig }, `${sig}: stopping`);
    void stopAll().then(() => release());
  };
  const signals = options.signals !== false;
  if (signals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const onAbort = () => void stopAll().then(() => release());
  if (options.stop?.aborted) onAbort();
  else options.stop?.addEventListener('abort', onAbort, { once: true });
  try {
    await set.start();
    allStarted = true;
  } catch (err) {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.stop?.removeEventListener('abort', onAbort);
    throw err;
  }
  await finished;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  options.stop?.removeEventListener('abort', onAbort);
}
