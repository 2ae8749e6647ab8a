import { branchOf, defaultsOf } from '../../core/config/defaults';
import { SINK_CONFIG_SCHEMA } from './config-schema';
import { topicsForPrefix } from '../../core/names/topics';

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

/** `${NAME}` in a string → the environment variable's value (secrets stay out of the YAML). */
export function expandEnv(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
}

/**
 * The sink section → settings. Secrets come from `secrets` (each may be `${ENV}`) and from
 * `secretsEnv`: an environment variable holding one or more secrets separated by spaces.
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
  const secrets = [
    ...(Array.isArray(raw.secrets) ? (raw.secrets as string[]) : HTTP_DEFAULTS.secrets).map((s) =>
      expandEnv(s, env),
    ),
    ...(typeof raw.secretsEnv === 'string' ? (env[raw.secretsEnv] ?? '').split(/\s+/) : []),
  ].filter(Boolean);
  const headers = Object.fromEntries(
    Object.entries((raw.headers ?? HTTP_DEFAULTS.headers) as Readonly<Record<string, string>>).map(
      ([k, v]) => [k.toLowerCase(), expandEnv(v, env)],
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
