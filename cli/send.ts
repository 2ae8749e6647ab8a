import fs from 'node:fs';
import path from 'node:path';
import type { HubConfig } from '../core/config';
import { CrossdockError } from '../core/errors';
import { dropFolderOf, sendSiteRequest, type SiteSendAnswer } from '../connectors/sources';
import { loadConfig, readLocalKeys, readRunFile } from '../hub';
import { stackPaths } from '../stack';
import { DEFAULT_CONFIG } from './defaults';

/**
 * `crossdock send`: what a site's HTTP system does, from the command line. Which hub, which
 * configuration, which key and secret, in this order:
 * - the ingest URL: --hub-url, else the running hub's run file (`ingestUrl`), else
 *   http://127.0.0.1:$CROSSDOCK_INGEST_PORT (8080);
 * - the configuration: --config, else the running hub's file, else examples/hub.yaml;
 * - the key: the site's first key that has not expired; its secret from the environment
 *   (`secretEnv`), else `$CROSSDOCK_HOME/local-keys.env` (`crossdock keys`). Nothing is generated:
 *   the hub must already know the secret.
 */

export interface SendOptions {
  siteId: string;
  file: string;
  config?: string;
  hubUrl?: string;
  idempotencyKey?: string;
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
}

export interface SendOutcome {
  siteId: string;
  keyId: string;
  config: string;
  answer: SiteSendAnswer;
}

function usage(message: string, details: Record<string, unknown> = {}): CrossdockError {
  return new CrossdockError('CD_E_USAGE', message, { details });
}

/** The site's first active key and its secret. */
function keyFor(
  config: HubConfig,
  configFile: string,
  siteId: string,
  env: NodeJS.ProcessEnv,
): { id: string; secret: string } {
  const site = config.sites.find((s) => s.id === siteId);
  if (!site) {
    const http = config.sites.filter((s) => s.connector.kind === 'http').map((s) => s.id);
    throw usage(`site ${siteId} is not in ${configFile}; its HTTP sites: ${http.join(', ') || '(none)'}`, {
      siteId,
    });
  }
  const kind = site.connector.kind;
  if (kind === 'csv')
    throw usage(
      `site ${siteId} is a csv site: it publishes by files, not over HTTP. Drop the export into its folder (write it as .name.tmp, then rename to *.csv): ${dropFolderOf(config, site, env)}`,
      { siteId, kind },
    );
  if (kind !== 'http')
    throw usage(
      `site ${siteId} is an ${kind} site: it publishes canonical events to Kafka itself with the SDK (createSiteProducer, docs/sites.md), not over HTTP`,
      { siteId, kind },
    );
  const now = Date.now();
  const expired = (k: { expiresAt?: string }) => Boolean(k.expiresAt && Date.parse(k.expiresAt) <= now);
  const keys =
    (site.connector.keys as Array<{ id: string; secretEnv: string; expiresAt?: string }> | undefined) ?? [];
  const key = keys.find((k) => !expired(k));
  if (!key)
    throw new CrossdockError(
      'CD_E_SITE_SECRET_MISSING',
      `site ${siteId} has no active key in ${configFile} (connector.keys): add one (crossdock site add makes one)`,
      { details: { siteId } },
    );
  const home = stackPaths(env).home;
  const secret = env[key.secretEnv] || readLocalKeys(home)[key.secretEnv];
  if (!secret)
    throw new CrossdockError(
      'CD_E_SITE_SECRET_MISSING',
      `site ${siteId}: key ${key.id} reads its secret from $${key.secretEnv}, which is not set and not in ${path.join(home, 'local-keys.env')}: set it to the secret the hub was started with (on this machine: \`eval "$(npx crossdock keys)"\` before \`crossdock start\`)`,
      { details: { siteId, keyId: key.id, secretEnv: key.secretEnv } },
    );
  return { id: key.id, secret };
}

/** Resolves the hub, configuration and key, then signs and posts the file. */
export async function sendSiteFile(o: SendOptions): Promise<SendOutcome> {
  const env = o.env ?? process.env;
  const run = readRunFile(stackPaths(env).home);
  const configFile = o.config ?? run?.configFile ?? DEFAULT_CONFIG;
  const config = loadConfig(configFile);
  const key = keyFor(config, configFile, o.siteId, env);
  let body: Buffer;
  try {
    body = fs.readFileSync(o.file);
  } catch (err) {
    throw usage(`cannot read --file ${o.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      file: o.file,
    });
  }
  const ingestUrl = o.hubUrl ?? run?.ingestUrl ?? `http://127.0.0.1:${env.CROSSDOCK_INGEST_PORT || '8080'}`;
  const answer = await sendSiteRequest({
    ingestUrl,
    siteId: o.siteId,
    key,
    body,
    ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
    ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
  });
  return { siteId: o.siteId, keyId: key.id, config: configFile, answer };
}

interface ErrorAnswer {
  code?: string;
  message?: string;
  retriable?: boolean;
  problems?: Array<{ path: string; code: string; expected: string; got: string }>;
}

/** The human text of an outcome. */
export function formatSend(o: SendOutcome): string {
  const { answer } = o;
  const head = `${answer.status} from ${answer.url} (key ${o.keyId})${answer.replayed ? ', replayed: the stored answer of this Idempotency-Key' : ''}`;
  if (answer.status === 202 || answer.status === 200) {
    const ids = (answer.body as { eventIds?: string[] }).eventIds ?? [];
    return [
      head,
      `accepted ${ids.length} event(s):`,
      ...ids.map((id) => `  ${id}`),
      ...(ids[0] ? [`where it is: npx crossdock events trace ${ids[0]}`] : []),
    ].join('\n');
  }
  if (typeof answer.body !== 'object' || answer.body === null)
    return `${head}\nnot a crossdock ingest answer: ${String(answer.body ?? '').slice(0, 300)}`;
  const e = answer.body as ErrorAnswer;
  return [
    `${head}`,
    `${e.code ?? '(no code)'}: ${e.message ?? ''}`,
    ...(e.problems ?? []).map((p) => `  ${p.path}  ${p.code}\n      expected ${p.expected}, got ${p.got}`),
    ...(e.retriable
      ? [`retriable${answer.retryAfter ? ` after ${answer.retryAfter} s` : ''}: send again`]
      : []),
  ].join('\n');
}
