import { CORE_CODES } from '../core/codes';
import { CONFIG_CODES } from '../core/config';
import { KAFKA_CLIENT_CODES } from '../core/kafka-client/codes';
import { catalogCodes, type ErrorCatalog } from '../core/error-catalog';
import type { ErrorSpec } from '../core/errors';
import { renderErrorsMd } from '../core/errors-doc';
import { CONNECTOR_CODES } from '../connectors';
import { CONSOLE_CODES } from '../console';
import { DLQ_CODES } from '../dlq';
import { FEED_CODES, FLOW_CODES, SCORECARD_CODES } from '../flows';
import { DELIVERY_CODES } from '../retry';
import { ROUTER_CODES } from '../router';
import { SCHEMA_CODES } from '../schemas';
import { STACK_CODES } from '../stack';
import { DEMO_CODES } from './demo-codes';

/**
 * Every stable error code crossdock emits, by the part that owns it, in the order docs/errors.md
 * lists them. A part that declares a new codes.ts adds one line here; test/unit/errors.test.ts
 * fails when a `CD_E_…` literal in the sources is not in this catalog or the doc is stale.
 */
export const ERROR_CATALOG: ErrorCatalog = [
  { part: 'core', codes: CORE_CODES },
  { part: 'kafka client', codes: KAFKA_CLIENT_CODES },
  { part: 'stack', codes: STACK_CODES },
  { part: 'config', codes: CONFIG_CODES },
  { part: 'schemas', codes: SCHEMA_CODES },
  { part: 'router', codes: ROUTER_CODES },
  { part: 'delivery', codes: DELIVERY_CODES },
  { part: 'connectors', codes: CONNECTOR_CODES },
  { part: 'dlq', codes: DLQ_CODES },
  { part: 'flow tracker', codes: FEED_CODES },
  { part: 'scorecards', codes: SCORECARD_CODES },
  { part: 'flow engine', codes: FLOW_CODES },
  { part: 'console', codes: CONSOLE_CODES },
  { part: 'demo', codes: DEMO_CODES },
];

/**
 * Every code of the catalog with its spec and owning part.
 * @throws Error when two parts declare the same code
 */
export function allCodes(): Map<string, ErrorSpec & { part: string }> {
  return catalogCodes(ERROR_CATALOG);
}

/** The content of docs/errors.md. */
export function renderErrorsDoc(): string {
  return renderErrorsMd(ERROR_CATALOG, 'hub/error-catalog.ts');
}
