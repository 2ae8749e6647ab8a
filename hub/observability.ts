/**
 * The hub's instrumentation, listed once: every part's log events (its `log-events.ts`) and every
 * part's metrics (its metric factory, run against a fresh registry). docs/observability.md is
 * rendered from here (scripts/docs.ts) and test/unit/core/log-events-used.test.ts checks the
 * source against the lists. A part that declares log events or metrics adds one line here.
 */
import type { Registry as MetricsRegistry } from 'prom-client';
import { CORE_LOG_EVENTS } from '../core/log-events-core';
import { registryFailureCounter } from '../core/registry';
import {
  logEventRows,
  metricRows,
  renderObservabilityMd,
  type PartLogEvents,
  type PartMetrics,
} from '../core/log-events-doc';
import { DELIVERY_LOG_EVENTS, deliveryMetrics } from '../connectors/sinks';
import { ingestMetrics, SOURCE_LOG_EVENTS } from '../connectors/sources';
import { DLQ_LOG_EVENTS, dlqMetrics } from '../dlq';
import { FEED_LOG_EVENTS, FLOW_LOG_EVENTS, flowMetrics } from '../flows';
import { REPLAY_LOG_EVENTS } from '../dlq';
import { CONSOLE_LOG_EVENTS } from '../console';
import { createRouterMetrics, ROUTER_LOG_EVENTS } from '../router';
import { SCHEMAS_LOG_EVENTS } from '../schemas';
import { STACK_LOG_EVENTS } from '../stack';
import { HUB_LOG_EVENTS } from './log-events';

export const LOG_EVENT_LISTS: readonly PartLogEvents[] = [
  { part: 'core', dirs: ['core'], events: CORE_LOG_EVENTS },
  { part: 'stack', dirs: ['stack'], events: STACK_LOG_EVENTS },
  { part: 'schemas', dirs: ['schemas'], events: SCHEMAS_LOG_EVENTS },
  { part: 'router', dirs: ['router'], events: ROUTER_LOG_EVENTS },
  { part: 'connectors/sinks', dirs: ['connectors/sinks'], events: DELIVERY_LOG_EVENTS },
  { part: 'connectors/sources', dirs: ['connectors/sources', 'connectors/sdk'], events: SOURCE_LOG_EVENTS },
  { part: 'dlq', dirs: ['dlq'], events: DLQ_LOG_EVENTS },
  { part: 'dlq/replay', dirs: ['dlq/replay'], events: REPLAY_LOG_EVENTS },
  { part: 'flows/feed', dirs: ['flows/feed'], events: FEED_LOG_EVENTS },
  { part: 'flows/engine', dirs: ['flows/engine'], events: FLOW_LOG_EVENTS },
  { part: 'console', dirs: ['console'], events: CONSOLE_LOG_EVENTS },
  { part: 'hub', dirs: ['hub'], events: HUB_LOG_EVENTS },
];

/** Labelled by subscriber at run time; the inventory needs the metrics, not a real subscriber. */
const ANY_SUBSCRIBER = 'subscriber';

/**
 * The hub's own metrics. Each process also exports prom-client's default process and Node.js
 * metrics (core/health.ts registerProcessMetrics); they are named in the doc's text, not listed:
 * which of them exist depends on the platform (open fds, virtual memory: Linux only).
 */
export const METRIC_FACTORIES: readonly PartMetrics[] = [
  { part: 'core', register: (r: MetricsRegistry) => void registryFailureCounter(r) },
  { part: 'router', register: (r: MetricsRegistry) => void createRouterMetrics(r) },
  { part: 'connectors/sinks', register: (r: MetricsRegistry) => void deliveryMetrics(r, ANY_SUBSCRIBER) },
  { part: 'connectors/sources', register: (r: MetricsRegistry) => void ingestMetrics(r) },
  { part: 'dlq', register: (r: MetricsRegistry) => void dlqMetrics(r) },
  { part: 'flows', register: (r: MetricsRegistry) => void flowMetrics(r) },
];

/** docs/observability.md. */
export async function renderObservabilityDoc(): Promise<string> {
  return renderObservabilityMd(logEventRows(LOG_EVENT_LISTS), await metricRows(METRIC_FACTORIES));
}
