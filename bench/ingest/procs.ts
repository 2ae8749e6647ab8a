import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { signedHeaders } from '../../connectors/sources/http/auth';
import { ROOT } from './workload';

/** `--cpu-prof` of each server process into this folder, when set. */
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** The site key every request is signed with (server.ts configures the same). */
export const KEY = { id: 'bench-1', secret: 'bench-secret' };

export type Mode = 'bare' | 'ceiling' | 'ingest';

/** What a server process reports when stopped (server.ts). */
export interface ServerUsage {
  cpuMs: number;
  rssMb: number;
  produce?: { produceRequests: number; messages: number };
}

export function startServer(
  mode: Mode,
  env: Record<string, string>,
  root = ROOT,
): Promise<{ port: number; pid: number | undefined; stop: () => Promise<ServerUsage> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []),
      '--import',
      'tsx',
      path.join(root, 'bench/ingest/server.ts'),
    ],
    {
      cwd: root,
      env: { ...process.env, ...env, CD_BENCH_MODE: mode },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  let waiting: ((l: string) => void) | undefined;
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w(line);
      } else lines.push(line);
    }
  });
  const next = () =>
    new Promise<string>((resolve) => (lines.length ? resolve(lines.shift()!) : (waiting = resolve)));
  return next().then((l) => ({
    port: (JSON.parse(l) as { port: number }).port,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      return JSON.parse(await next()) as ServerUsage;
    },
  }));
}

export async function cannon(
  port: number,
  bodies: string[],
  seconds: number,
  connections: number,
): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/sites/us-chi/events',
        // Signed per request, for both arms: the client cost is the same on each side.
        setupRequest: (req) => {
          const body = bodies[i++ % bodies.length]!;
          return {
            ...req,
            body,
            headers: { 'content-type': 'application/json', ...signedHeaders(KEY, body) },
          };
        },
      },
    ],
  });
}
