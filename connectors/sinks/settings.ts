/** A subscriber's compiled `sink` section (defaults applied). SINK_CONFIG_SCHEMA documents each field. */
export interface HttpSinkSettings {
  kind: 'http';
  url: string;
  /** @defaultValue 'json' (the canonical event as JSON); 'avro' sends the framed Avro bytes */
  body: 'json' | 'avro';
  /** Whole-request timeout. @defaultValue 10000 */
  timeoutMs: number;
  /** Extra static headers (an API key header, say; values may reference env with `${NAME}`). @defaultValue {} */
  headers: Readonly<Record<string, string>>;
  /**
   * Standard Webhooks secrets (`whsec_…`), newest first; several during a rotation. Empty: no
   * signature headers. @defaultValue []
   */
  secrets: readonly string[];
  /** Keep-alive connections to the receiver per instance. @defaultValue the delivery concurrency */
  connections?: number;
  /** Value of ce-source when the event has no ce_source header. @defaultValue 'crossdock' */
  source: string;
}

export interface KafkaSinkSettings {
  kind: 'kafka';
  /** @defaultValue `<prefix>.sink.<subscriberId>` */
  topic: string;
  /** Another cluster's bootstrap servers; empty = the hub's own cluster. @defaultValue [] */
  brokers: readonly string[];
  /** @defaultValue -1 (all in-sync replicas) */
  acks: -1 | 0 | 1;
  /** @defaultValue 30000 */
  timeoutMs: number;
  /** Create the topic at start when missing (on the hub's own cluster only). @defaultValue true */
  createTopic: boolean;
}

export type SinkSettings = HttpSinkSettings | KafkaSinkSettings;

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
      topic: typeof raw.topic === 'string' ? raw.topic : `${prefix}.sink.${subscriberId}`,
      brokers: Array.isArray(raw.brokers) ? (raw.brokers as string[]) : [],
      acks: (raw.acks as -1 | 0 | 1 | undefined) ?? -1,
      timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : 30_000,
      createTopic: raw.createTopic !== false,
    });
  }
  const secrets = [
    ...(Array.isArray(raw.secrets) ? (raw.secrets as string[]).map((s) => expandEnv(s, env)) : []),
    ...(typeof raw.secretsEnv === 'string' ? (env[raw.secretsEnv] ?? '').split(/\s+/) : []),
  ].filter(Boolean);
  const headers = Object.fromEntries(
    Object.entries((raw.headers as Record<string, string> | undefined) ?? {}).map(([k, v]) => [
      k.toLowerCase(),
      expandEnv(v, env),
    ]),
  );
  return Object.freeze({
    kind: 'http',
    url: String(raw.url ?? ''),
    body: raw.body === 'avro' ? 'avro' : 'json',
    timeoutMs: typeof raw.timeoutMs === 'number' ? raw.timeoutMs : 10_000,
    headers: Object.freeze(headers),
    secrets: Object.freeze(secrets),
    connections: typeof raw.connections === 'number' ? raw.connections : concurrency,
    source: typeof raw.source === 'string' ? raw.source : 'crossdock',
  });
}
