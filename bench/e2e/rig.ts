/**
 * The end-to-end arm's hub on the shared stack: a webhook receiver in its own process
 * (receiver-child.ts), a hub configuration of its own (bench/chaos/config.ts: one HTTP site with a
 * signing key made for this run and passed through the environment variable the configuration
 * names, one webhook subscriber, one route), `crossdock start` as a user runs it (supervised by
 * bench/chaos/hub.ts), all under a topic prefix and Redis prefix of this run, removed afterwards
 * (topics, consumer groups, Redis keys, the temporary home).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKafka } from '../../core/kafka';
import { redisPrefixFor } from '../../core/names/redis-keys';
import { topicsForPrefix } from '../../core/names/topics';
import { createRedis } from '../../core/redis';
import { currentEndpoints, stackPaths } from '../../stack';
import { renderConfig, type SiteKey } from '../chaos/config';
import { createHubSupervisor, type HubSupervisor } from '../chaos/hub';
import { exited, ROOT, tail } from '../chaos/procs';
import { EVENT_TYPE, SITES, type ChaosSite } from '../chaos/topology';

export const SUBSCRIBER = 'e2e';

export interface E2ERig {
  prefix: string;
  site: ChaosSite;
  key: SiteKey;
  ingestUrl: string;
  brokers: string[];
  topics: { ingress: string; deliver: string };
  /** Called for every request the receiver gets: (eventId, arrival ms epoch). */
  onArrival(listener: (eventId: string, at: number) => void): void;
  /** The hub's Prometheus metrics (text), or '' when it does not answer. */
  metrics(): Promise<string>;
  /** Hub log tail, for a message. */
  hubLog(): string;
  close(): Promise<void>;
}

async function startReceiverChild(
  listeners: Array<(id: string, at: number) => void>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'receiver-child.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let rest = '';
  let resolvePort: (p: string) => void = () => undefined;
  const port = new Promise<string>((r) => (resolvePort = r));
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const tab = line.indexOf('\t');
      if (tab < 0) {
        if (line.startsWith('port ')) resolvePort(line.slice(5));
        continue;
      }
      const id = line.slice(0, tab);
      const at = Number(line.slice(tab + 1));
      for (const l of listeners) l(id, at);
    }
  });
  const timeout = setTimeout(() => resolvePort(''), 30000);
  const p = await port;
  clearTimeout(timeout);
  if (!p) throw new Error('the e2e receiver did not start within 30 s');
  return { child, url: `http://127.0.0.1:${p}/${SUBSCRIBER}` };
}

export async function startRig(options: {
  partitions: number;
  log: (line: string) => void;
}): Promise<E2ERig> {
  const endpoints = currentEndpoints();
  const prefix = `e2e${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const site = SITES[0]!;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-e2e-'));
  const logs = path.join(home, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const listeners: Array<(id: string, at: number) => void> = [];
  let receiver: ChildProcess | undefined;
  let hub: HubSupervisor | undefined;
  const topics = topicsForPrefix(prefix);

  const cleanup = async () => {
    await hub?.stopAll().catch(() => undefined);
    if (receiver) {
      receiver.kill('SIGTERM');
      await exited(receiver);
    }
    const admin = createKafka({ clientId: 'bench-e2e-cleanup', brokers: endpoints.kafkaBrokers }).admin();
    try {
      await admin.connect();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      const groups = (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(prefix));
      if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    } catch (err) {
      options.log(`cleanup: Kafka: ${String(err)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const redis = createRedis({ url: endpoints.redisUrl, name: 'bench-e2e-cleanup' });
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefixFor(prefix)}*`, 'COUNT', 2000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== '0');
    } catch (err) {
      options.log(`cleanup: Redis: ${String(err)}`);
    } finally {
      redis.disconnect();
    }
    fs.rmSync(home, { recursive: true, force: true });
  };

  try {
    const r = await startReceiverChild(listeners);
    receiver = r.child;
    const rendered = renderConfig(() => r.url, {
      topicPrefix: prefix,
      envPrefix: 'BENCH_E2E_KEY_',
      sites: [site],
      subscribers: [SUBSCRIBER],
      routes: [{ name: 'orders', match: { eventTypes: [EVENT_TYPE] }, to: [SUBSCRIBER] }],
      delivery: null,
      partitions: options.partitions,
      comment: 'Generated by bench/e2e for one benchmark run.',
    });
    const configFile = path.join(home, 'hub.yaml');
    fs.writeFileSync(configFile, rendered.yaml);
    hub = await createHubSupervisor({
      configFile,
      subscribers: [SUBSCRIBER],
      onlyStart: true,
      env: {
        ...process.env,
        CROSSDOCK_HOME: home,
        CROSSDOCK_CACHE_DIR: process.env.CROSSDOCK_CACHE_DIR ?? stackPaths().cache,
        CROSSDOCK_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        CROSSDOCK_REGISTRY_URL: endpoints.registryUrl,
        REDIS_URL: endpoints.redisUrl,
        ...rendered.env,
      },
      logs,
      log: options.log,
    });
    options.log(`starting the hub (crossdock start, topic prefix ${prefix})`);
    await hub.startAll();
    const h = hub;
    return {
      prefix,
      site,
      key: rendered.keys[0]!,
      ingestUrl: `http://127.0.0.1:${h.ingestPort}`,
      brokers: endpoints.kafkaBrokers,
      topics: { ingress: topics.ingress(site.id), deliver: topics.deliver(SUBSCRIBER) },
      onArrival: (l) => listeners.push(l),
      metrics: async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${h.processes[0]!.healthPort}/metrics`, {
            signal: AbortSignal.timeout(5000),
          });
          return res.ok ? await res.text() : '';
        } catch {
          return '';
        }
      },
      hubLog: () => tail(path.join(logs, 'start.log'), 20),
      close: cleanup,
    };
  } catch (err) {
    const hubTail = tail(path.join(logs, 'start.log'), 20);
    await cleanup();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nhub log:\n${hubTail}`);
  }
}
