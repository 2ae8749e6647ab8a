import { branchOf, defaultsOf } from '../../core/config/defaults';
import { SINK_CONFIG_SCHEMA } from './config-schema';
import { topicsForPrefix } from '../../core/names/topics';
import { CrossdockError } from '../../core/errors';
import { envValue, expandEnv, unsetVariableMessage } from '../../core/config/expand-env';

/**
 * A subscriber's compiled `sink` section (defaults applied). SINK_CONFIG_SCHEMA documents each
 * field and holds each default (its `kind` branches); `@defaultValue the schema's` points there.
 */
export interface HttpSinkSettings {
  kind: 'http';
  url: string;
  /** 'json': the canonical event as JSON; 'avro': the framed Avro bytes. @defaultValue the schema's */
  body: 'json' | 'avro';
  /** Whole-request timeout. @defaultValue the schema's */
  timeoutMs: number;
  /** Extra static headers (an API key header, say; values may reference env with `${NAME}`). @defaultValue the schema's */
  headers: Readonly<Record<string, string>>;
  /**
   * Standard Webhooks secrets (`whsec_…`), newest first; several during a rotation. Empty: no
   * signature headers. @defaultValue the schema's
   */
  secrets: readonly string[];
  /** Keep-alive connections to the receiver per instance. @defaultValue the delivery concurrency */
  connections?: number;
  /** Value of ce-source when the event has no ce_source header. @defaultValue the schema's */
  source: string;
}

export interface KafkaSinkSettings {
  kind: 'kafka';
  /** @defaultValue `<prefix>.sink.<subscriberId>` */
  topic: string;
  /** Another cluster's bootstrap servers; empty = the hub's own cluster. @defaultValue the schema's */
  brokers: readonly string[];
  /** -1: all in-sync replicas. @defaultValue the schema's */
  acks: -1 | 0 | 1;
  /** @defaultValue the schema's */
  timeoutMs: number;
  /** Create the topic at start when missing (on the hub's own cluster only). @defaultValue the schema's */
  createTopic: boolean;
}

export type SinkSettings = HttpSinkSettings | KafkaSinkSettings;

const HTTP_DEFAULTS = defaultsOf(branchOf(SINK_CONFIG_SCHEMA, 'kind', 'http'));
const KAFKA_DEFAULTS = defaultsOf(branchOf(SINK_CONFIG_SCHEMA, 'kind', 'kafka'));

/**
 * The sink section → settings. Secrets come from `secrets` (each may be `${ENV}`) and from
 * `secretsEnv`: an environment variable holding one or more secrets separated by spaces. `${NAME}`
 * in secrets and header values is expanded by core/config/expand-env.ts.
 * @throws CrossdockError CD_E_CONFIG_ENV_UNSET when a variable they read is unset (the start-up
 *   checks report it first, so a checked configuration never gets here with one)
 */
export function compileSinkSettings(
  raw: Readonly<Record<string, unknown>>,
  subscriberId: string,
  prefix: string,
  concurrency: number,
  env: NodeJS.ProcessEnv = process.env,
): SinkSettings {
  if (raw.kind === 'kafka') {
    return Object.freeze({
      kind: 'kafka',
      topic: typeof raw.topic === 'string' ? raw.topic : topicsForPrefix(prefix).sink(subscriberId),
      brokers: Array.isArray(raw.brokers) ? (raw.brokers as string[]) : KAFKA_DEFAULTS.brokers,
      acks: (raw.acks as -1 | 0 | 1 | undefined) ?? KAFKA_DEFAULTS.acks,
      timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : KAFKA_DEFAULTS.timeoutMs,
      createTopic: typeof raw.createTopic === 'boolean' ? raw.createTopic : KAFKA_DEFAULTS.createTopic,
    });
  }
  const field = (f: string) => `subscriber ${subscriberId}'s sink.${f}`;
  const listed = Array.isArray(raw.secrets) ? (raw.secrets as string[]) : HTTP_DEFAULTS.secrets;
  const secrets = [
    ...listed.map((s, i) => expandEnv(s, env, field(`secrets[${i}]`))),
    ...(typeof raw.secretsEnv === 'string' ? secretsFromEnv(raw.secretsEnv, env, field('secretsEnv')) : []),
  ].filter(Boolean);
  const headers = Object.fromEntries(
    Object.entries((raw.headers ?? HTTP_DEFAULTS.headers) as Readonly<Record<string, string>>).map(
      ([k, v]) => [k.toLowerCase(), expandEnv(v, env, field(`headers.${k}`))],
    ),
  );
  return Object.freeze({
    kind: 'http',
    url: String(raw.url ?? ''),
    body: raw.body === 'avro' || raw.body === 'json' ? raw.body : HTTP_DEFAULTS.body,
    timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : HTTP_DEFAULTS.timeoutMs,
    headers: Object.freeze(headers),
    secrets: Object.freeze(secrets),
    connections: typeof raw.connections === 'number' ? raw.connections : concurrency,
    source: typeof raw.source === 'string' ? raw.source : HTTP_DEFAULTS.source,
  });
}

/** The secrets of a `secretsEnv` variable (space-separated); unset or empty is an error, never "none". */
function secretsFromEnv(name: string, env: NodeJS.ProcessEnv, field: string): string[] {
  const value = envValue(name, env);
  if (value === undefined)
    throw new CrossdockError('CD_E_CONFIG_ENV_UNSET', unsetVariableMessage(name, field, { named: true }), {
      details: { field, variables: [name] },
    });
  return value.split(/\s+/);
}
