import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { stackPaths } from '../../stack';
import { freePort } from '../../stack/proc';
import { eventually } from './stack';

const ROOT = path.resolve(__dirname, '../..');

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  got: Received[];
  close(): Promise<void>;
}

/** A downstream system: records every request and answers 200. */
export async function receiver(): Promise<Receiver> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came. */
  out: string;
}

/**
 * Runs `crossdock <args>` as a user does (bin/crossdock.js in its own process) with `env` over
 * this process's environment. A process still alive after `killAfterMs` is killed (the result
 * then carries the signal): a command that should have ended and did not.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  killAfterMs = 90_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [path.join(ROOT, 'bin/crossdock.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let out = '';
    c.stdout!.on('data', (d: Buffer) => ((stdout += d.toString()), (out += d.toString())));
    c.stderr!.on('data', (d: Buffer) => ((stderr += d.toString()), (out += d.toString())));
    const guard = setTimeout(() => c.kill('SIGKILL'), killAfterMs);
    c.once('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, out });
    });
  });
}

export interface HubProcess {
  /** The hub's process (`crossdock start`). */
  child: ChildProcess;
  /** Its own CROSSDOCK_HOME (drop folders live under it). */
  home: string;
  /** The configuration file it was started with. */
  file: string;
  ingestPort: number;
  healthPort: number;
  /** Port of the admin API (`http://127.0.0.1:<adminPort>/api/v1`). */
  adminPort: number;
  /** Everything it printed so far. */
  log(): string;
  /** Runs `crossdock <args>` with the hub's environment; resolves with its exit code and output. */
  cli(args: string[]): Promise<CliResult>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL if still running, and removes the home folder. */
  dispose(): Promise<void>;
}

/**
 * The hub as a user runs it: `crossdock start --config <file>` in its own process, with its own
 * CROSSDOCK_HOME (sharing the stack's download cache) and free ingest and health ports. Resolves
 * once /readyz answers 200.
 */
export async function startHub(
  doc: unknown,
  env: Record<string, string> = {},
  /** More arguments of `crossdock start` (e.g. `['--only', 'dlq']`). */
  args: string[] = [],
): Promise<HubProcess> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-hub-'));
  const file = path.join(home, 'hub.yaml');
  fs.writeFileSync(file, YAML.stringify(doc));
  const [ingestPort, healthPort, adminPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const fullEnv = {
    ...process.env,
    CROSSDOCK_HOME: home,
    CROSSDOCK_CACHE_DIR: stackPaths().cache,
    CROSSDOCK_INGEST_PORT: String(ingestPort),
    ...env,
  };
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/crossdock.js'),
      'start',
      '--config',
      file,
      '--health-port',
      String(healthPort),
      '--admin-port',
      String(adminPort),
      ...args,
    ],
    { cwd: ROOT, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const hub: HubProcess = {
    child,
    home,
    file,
    ingestPort,
    healthPort,
    adminPort,
    log: () => output,
    cli: (args) => runCli(args, fullEnv),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
  const ready = async () => {
    // A hub that exited will never be ready: say so at once, with its output.
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`crossdock start exited (${child.exitCode ?? child.signalCode})`);
    return (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.status === 200;
  };
  try {
    await eventually(ready, 'the hub to be ready', 90_000);
  } catch (err) {
    await hub.dispose();
    throw new Error(`${(err as Error).message}; hub log:\n${output.slice(-4000)}`);
  }
  return hub;
}

/**
 * The smallest hub configuration the hub tests start from: one SDK site (us-atl), one webhook
 * subscriber `erp` that takes every order event. Tests change what they need on the result.
 */
export function oneSiteConfig(
  prefix: string,
  erpUrl: string,
  router: Record<string, unknown> = {},
): {
  hub: {
    topicPrefix: string;
    topics: { partitions: number; replicationFactor: number };
    router: Record<string, unknown>;
  };
  sites: Array<Record<string, unknown>>;
  subscribers: Array<{ id: string; sink: { kind: string; url: string } }>;
  routes: Array<{ name: string; match: Record<string, unknown>; to: string[] }>;
} {
  return {
    hub: {
      topicPrefix: prefix,
      topics: { partitions: 1, replicationFactor: 1 },
      router: { groupId: `${prefix}-router`, ...router },
    },
    sites: [
      {
        id: 'us-atl',
        name: 'Atlanta DC',
        country: 'US',
        timezone: 'America/New_York',
        connector: { kind: 'sdk' },
      },
    ],
    subscribers: [{ id: 'erp', sink: { kind: 'http', url: erpUrl } }],
    routes: [{ name: 'orders', match: { eventTypes: ['Order*'] }, to: ['erp'] }],
  };
}
