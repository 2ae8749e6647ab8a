import type { ErrorSpec } from './errors';
import { CONFIG_CODES } from './config/codes';
import { STACK_CODES } from '../stack/codes';
import { SCHEMA_CODES } from '../schemas/codes';
import { ROUTER_CODES } from '../router/codes';
import { DELIVERY_CODES } from '../retry/codes';
import { CONNECTOR_CODES } from '../connectors/codes';
import { CORE_CODES } from './codes';

/**
 * Every stable error code crossdock emits, by the part that owns it. docs/errors.md is generated
 * from this (npm run docs) and test/unit/errors.test.ts keeps the two in step.
 */
export const ERROR_CATALOG: ReadonlyArray<{ part: string; codes: Readonly<Record<string, ErrorSpec>> }> = [
  { part: 'core', codes: CORE_CODES },
  { part: 'stack', codes: STACK_CODES },
  { part: 'config', codes: CONFIG_CODES },
  { part: 'schemas', codes: SCHEMA_CODES },
  { part: 'router', codes: ROUTER_CODES },
  { part: 'delivery', codes: DELIVERY_CODES },
  { part: 'connectors', codes: CONNECTOR_CODES },
];

export function allCodes(): Map<string, ErrorSpec & { part: string }> {
  const out = new Map<string, ErrorSpec & { part: string }>();
  for (const { part, codes } of ERROR_CATALOG) {
    for (const [code, spec] of Object.entries(codes)) {
      if (out.has(code)) throw new Error(`error code ${code} is declared twice`);
      out.set(code, { ...spec, part });
    }
  }
  return out;
}
