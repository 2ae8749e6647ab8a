import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../stack/proc';
import { CROSSDOCK_BIN, exited, sleep, spawnLogged, tail } from './procs';

/**
 * The hub's processes as a user runs them: `crossdock start` (HTTP ingest, router and every
 * connector in one process), plus one more `crossdock router` and one more `crossdock connector
 * <id>` per subscriber sharing the work. A supervisor restarts a process that exits by itself (as
 * systemd would) and reports it; a planned kill -9 restarts it after the fault's down time
 * (`onlyStart`: just `crossdock start`, as the end-to-end benchmark runs it). A
 * watchdog plays the liveness probe: a process whose /healthz has not answered for
 * `STUCK_AFTER_MS` is reported as stuck, killed -9 and started again.
 */
export const STUCK_AFTER_MS = 90000;
export interface HubProcess {
  name: string;
  healthPort: number;
  child?: ChildProcess;
  starts: number;
}

export interface UnplannedExit {
  name: string;
  at: number;
  code: number | null;
  signal: string | null;
  logTail: string;
}

/** A process the watchdog found alive but not answering /healthz, and restarted. */
export interface StuckProcess {
  name: string;
  at: number;
  /** How long /healthz had not answered. */
  silentMs: number;
  logTail: string;
}

export interface HubSupervisor {
  readonly processes: readonly HubProcess[];
  /** The HTTP ingest port (of the `start` process). */
  readonly ingestPort: number;
  readonly unplannedExits: UnplannedExit[];
  readonly stuck: StuckProcess[];
  startAll(): Promise<void>;
  /** kill -9 of one process; it is started again after downMs; resolves once it is ready (or 120 s). */
  kill(name: string, signal: NodeJS.Signals, downMs: number): Promise<void>;
  /** Resolves when every process answers /readyz 200 (false on timeout). */
  ready(timeoutMs: number): Promise<boolean>;
  /** Which processes do not answer /readyz 200 now. */
  notReady(): Promise<string[]>;
  stopAll(): Promise<void>;
}

export async function createHubSupervisor(options: {
  configFile: string;
  subscribers: readonly string[];
  env: NodeJS.ProcessEnv;
  logs: string;
  log: (line: string) => void;
  /** Run only `crossdock start` (no extra router and connector processes). */
  onlyStart?: boolean;
}): Promise<HubSupervisor> {
  const ingestPort = await freePort();
  const defs: Array<{ name: string; args: string[] }> = [
    { name: 'start', args: ['start', '--config', options.configFile, '--admin-port', '0'] },
    ...(options.onlyStart
      ? []
      : [
          { name: 'router', args: ['router', '--config', options.configFile] },
          ...options.subscribers.map((s) => ({
            name: `connector-${s}`,
            args: ['connector', s, '--config', options.configFile],
          })),
        ]),
  ];
  const processes: HubProcess[] = [];
  for (const d of defs) processes.push({ name: d.name, healthPort: await freePort(), starts: 0 });
  const argsOf = new Map(defs.map((d) => [d.name, d.args]));
  const planned = new Set<ChildProcess>();
  const unplannedExits: UnplannedExit[] = [];
  const stuck: StuckProcess[] = [];
  let stopping = false;
  /** When each process last answered /healthz (or was launched). */
  const lastAlive = new Map<string, number>();

  const logFile = (p: HubProcess) => path.join(options.logs, `${p.name}.log`);

  function launch(p: HubProcess): void {
    const args = [CROSSDOCK_BIN, ...argsOf.get(p.name)!, '--health-port', String(p.healthPort)];
    const env = { ...options.env, CROSSDOCK_INGEST_PORT: String(ingestPort) };
    const child = spawnLogged(process.execPath, args, env, logFile(p));
    p.child = child;
    p.starts++;
    lastAlive.set(p.name, Date.now());
    child.once('exit', (code, signal) => {
      if (planned.has(child) || stopping) return;
      const exit: UnplannedExit = {
        name: p.name,
        at: Date.now(),
        code,
        signal,
        logTail: tail(logFile(p), 5),
      };
      unplannedExits.push(exit);
      options.log(`${p.name} exited by itself (code ${code}, signal ${signal}); restarting it in 2 s`);
      setTimeout(() => {
        if (!stopping && p.child === child) launch(p);
      }, 2000);
    });
  }

  async function answers(p: HubProcess, path: '/readyz' | '/healthz'): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${p.healthPort}${path}`, {
        signal: AbortSignal.timeout(2000),
      });
      return res.status === 200;
    } catch {
      return false;
    }
  }
  const readyz = (p: HubProcess) => answers(p, '/readyz');

  const watchdog = setInterval(() => {
    void Promise.all(
      processes.map(async (p) => {
        const child = p.child;
        if (!child || child.exitCode !== null || child.signalCode !== null || planned.has(child)) return;
        if (await answers(p, '/healthz')) {
          lastAlive.set(p.name, Date.now());
          return;
        }
        const silentMs = Date.now() - (lastAlive.get(p.name) ?? Date.now());
        if (silentMs < STUCK_AFTER_MS || stopping || p.child !== child) return;
        stuck.push({ name: p.name, at: Date.now(), silentMs, logTail: tail(logFile(p), 5) });
        options.log(
          `${p.name} is alive but /healthz has not answered for ${Math.round(silentMs / 1000)} s: kill -9 and restart`,
        );
        planned.add(child);
        child.kill('SIGKILL');
        await exited(child);
        if (!stopping) launch(p);
      }),
    );
  }, 5000);
  watchdog.unref();

  const supervisor: HubSupervisor = {
    processes,
    ingestPort,
    unplannedExits,
    stuck,
    async startAll() {
      // `start` first: it creates the topics and pushes the schemas the others expect.
      launch(processes[0]!);
      if (!(await supervisor.ready(180000)))
        throw new Error(`crossdock start did not become ready:\n${tail(logFile(processes[0]!))}`);
      for (const p of processes.slice(1)) launch(p);
    },
    async kill(name, signal, downMs) {
      const p = processes.find((x) => x.name === name);
      if (!p?.child) throw new Error(`no hub process ${name}`);
      const child = p.child;
      planned.add(child);
      child.kill(signal);
      await exited(child);
      await sleep(downMs);
      if (stopping) return;
      launch(p);
      // Restored means answering again: wait (bounded) for its /readyz.
      const deadline = Date.now() + 120000;
      while (!stopping && Date.now() < deadline && !(await readyz(p))) await sleep(250);
    },
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const launched = processes.filter((p) => p.child);
        const answers = await Promise.all(launched.map(readyz));
        if (answers.every(Boolean)) return true;
        if (Date.now() > deadline) return false;
        await sleep(500);
      }
    },
    async notReady() {
      const answers = await Promise.all(processes.map(readyz));
      return processes.filter((_, i) => !answers[i]).map((p) => p.name);
    },
    async stopAll() {
      stopping = true;
      clearInterval(watchdog);
      await Promise.all(
        processes.map(async (p) => {
          if (!p.child) return;
          p.child.kill('SIGTERM');
          const t = setTimeout(() => p.child?.kill('SIGKILL'), 20000);
          await exited(p.child);
          clearTimeout(t);
        }),
      );
    },
  };
  return supervisor;
}
