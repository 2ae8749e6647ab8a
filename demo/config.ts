import YAML from 'yaml';
import { scaleFlowsSection } from './timescale';

/**
 * The demo's hub configuration: the given file (examples/hub.yaml) with what one run must own
 * changed, and nothing else: its topic prefix (the Redis prefix derives from it), the router's
 * consumer group, the CSV sites' drop folders (under the run's folder), and the URLs of the
 * webhook subscribers the demo stands in for (when their receivers listen on other ports), and
 * the flows' durations, scaled to the demo's clock (demo/timescale.ts: one day of business in 4 s).
 */

export interface StandInPlan {
  subscriber: string;
  /** The port of the configured URL (0 when the demo picks free ports). */
  port: number;
  /** Path and query of the configured URL. */
  path: string;
}

interface ConfigDoc {
  $schema?: string;
  hub?: { topicPrefix?: string; router?: { groupId?: string } };
  sites?: Array<{ id: string; connector?: { kind?: string; folder?: string } }>;
  subscribers?: Array<{ id: string; sink?: { kind?: string; url?: string } }>;
  flows?: unknown;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The webhook subscribers on this machine (loopback URLs): those the demo stands in for. */
export function standInPlan(text: string, freePorts: boolean): StandInPlan[] {
  const doc = YAML.parse(text) as ConfigDoc;
  const out: StandInPlan[] = [];
  for (const s of doc.subscribers ?? []) {
    if (s.sink?.kind !== 'http' || !s.sink.url) continue;
    let url: URL;
    try {
      url = new URL(s.sink.url);
    } catch {
      continue;
    }
    if (!LOOPBACK.has(url.hostname)) continue;
    out.push({
      subscriber: s.id,
      port: freePorts ? 0 : Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      path: `${url.pathname}${url.search}`,
    });
  }
  return out;
}

export interface DemoConfigOptions {
  prefix: string;
  /** Subscriber → the URL of its stand-in receiver. */
  urls: ReadonlyMap<string, string>;
  /** A CSV site's drop folder. */
  dropFolder: (siteId: string) => string;
}

/** The run's configuration as YAML text. */
export function demoConfigText(text: string, options: DemoConfigOptions): string {
  const doc = YAML.parse(text) as ConfigDoc;
  delete doc.$schema;
  doc.hub ??= {};
  doc.hub.topicPrefix = options.prefix;
  doc.hub.router = { ...(doc.hub.router ?? {}), groupId: `${options.prefix}-router` };
  for (const s of doc.sites ?? [])
    if (s.connector?.kind === 'csv') s.connector.folder = options.dropFolder(s.id);
  for (const s of doc.subscribers ?? []) {
    const url = options.urls.get(s.id);
    if (url && s.sink) s.sink.url = url;
  }
  scaleFlowsSection(doc.flows);
  return `# crossdock demo run ${options.prefix}: made from the demo's configuration; removed with the run.\n${YAML.stringify(doc)}`;
}
