import { CrossdockError } from './errors';

/**
 * The Redis Cluster form of REDIS_URL: `redis+cluster://[user[:password]@]host:port,host:port,...`
 * (`rediss+cluster://` for TLS). The hosts are seed nodes: the client asks any of them for the
 * slot map and finds the others itself, so one reachable seed is enough; listing more rides out a
 * seed that is down. A cluster has only database 0, so no `/db` path; no query string either.
 *
 * Contract: pure parsing, no I/O. A malformed URL throws CD_E_REDIS_CLUSTER_URL_INVALID naming
 * what is wrong and showing the URL without its password.
 */

export const CLUSTER_SCHEMES = Object.freeze(['redis+cluster:', 'rediss+cluster:'] as const);

export interface ClusterSeed {
  host: string;
  port: number;
}

export interface ParsedClusterUrl {
  tls: boolean;
  seeds: ClusterSeed[];
  username?: string;
  password?: string;
  /** The URL to show: scheme and seeds, no user or password. */
  display: string;
}

const DEFAULT_PORT = 6379;

/** Whether `raw` names a Redis Cluster (its scheme is redis+cluster: or rediss+cluster:). */
export function isClusterUrl(raw: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(raw.trim());
}

/** `raw` with the user and password between `//` and `@` taken out. */
function masked(raw: string): string {
  return raw.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1');
}

function invalid(raw: string, problem: string): CrossdockError {
  const url = masked(raw);
  return new CrossdockError('CD_E_REDIS_CLUSTER_URL_INVALID', `REDIS_URL ${url}: ${problem}`, {
    details: { variable: 'REDIS_URL', url, problem },
  });
}

function seedOf(raw: string, part: string): ClusterSeed {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d*))?$/.exec(part);
  if (!m) throw invalid(raw, `${JSON.stringify(part)} is not host:port`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  if (m[2] === '') throw invalid(raw, `${JSON.stringify(part)} has an empty port`);
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(raw, `${JSON.stringify(part)}: port must be 1-65535`);
  return { host, port };
}

function decoded(raw: string, text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(raw, `the ${what} is not valid percent-encoding`);
  }
}

/**
 * Parses a redis+cluster:// or rediss+cluster:// URL.
 * @throws CrossdockError CD_E_REDIS_CLUSTER_URL_INVALID: another scheme, no seed, an empty or
 *   malformed seed, a bad port, a database other than 0, a query string or fragment
 */
export function parseClusterUrl(raw: string): ParsedClusterUrl {
  const text = raw.trim();
  const m = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?([?#].*)?$/i.exec(text);
  if (!m) throw invalid(raw, 'must be redis+cluster://host:port,host:port,... or rediss+cluster://...');
  const [, scheme, userinfo, hostList, path, rest] = m;
  if (rest) throw invalid(raw, 'takes no query string or fragment');
  if (path && path !== '/' && path !== '/0')
    throw invalid(raw, `a cluster has only database 0 (found ${JSON.stringify(path)})`);
  if (!hostList) throw invalid(raw, 'names no node (expected host:port,host:port,...)');
  const seeds = hostList.split(',').map((part, i) => {
    if (part.trim() === '') throw invalid(raw, `node ${i + 1} of the list is empty`);
    return seedOf(raw, part.trim());
  });
  const keys = new Set<string>();
  for (const s of seeds) {
    const key = `${s.host}:${s.port}`;
    if (keys.has(key)) throw invalid(raw, `${key} is listed twice`);
    keys.add(key);
  }
  const lower = scheme!.toLowerCase();
  const out: ParsedClusterUrl = {
    tls: lower === 'rediss',
    seeds,
    display: `${lower}+cluster://${seeds.map(formatSeed).join(',')}`,
  };
  if (userinfo !== undefined && userinfo !== '') {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const pass = colon < 0 ? '' : userinfo.slice(colon + 1);
    if (user) out.username = decoded(raw, user, 'user');
    if (pass) out.password = decoded(raw, pass, 'password');
  }
  return out;
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatSeed(seed: ClusterSeed): string {
  return `${seed.host.includes(':') ? `[${seed.host}]` : seed.host}:${seed.port}`;
}

/** The display URL of a cluster of `seeds` (no credentials). */
export function clusterUrl(seeds: readonly ClusterSeed[], tls = false): string {
  return `${tls ? 'rediss' : 'redis'}+cluster://${seeds.map(formatSeed).join(',')}`;
}

/** A cluster URL with its user and password taken out (for display); other strings unchanged. */
export function clusterUrlWithoutCredentials(raw: string): string {
  return isClusterUrl(raw) ? masked(raw) : raw;
}
