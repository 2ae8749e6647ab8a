import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { CrossdockError } from '../core/errors';

/** Process and port helpers for the stack; nothing here knows about Kafka or the registry. */

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process, or undefined (dead, or not Linux). */
export function pidCommandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** True when a recorded pid is still the process we started (pids are reused). */
export function isOurProcess(pid: number | undefined, marker: string): boolean {
  if (!pid || !isPidAlive(pid)) return false;
  const cmd = pidCommandLine(pid);
  return cmd === undefined ? true : cmd.includes(marker);
}

export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      server.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface SpawnDetachedOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts a long-running process that outlives this one; its output goes to logFile. */
export function spawnDetached(command: string, args: string[], options: SpawnDetachedOptions): number {
  const fd = fs.openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

/** SIGTERM, then SIGKILL after graceMs. Resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 15000): Promise<void> {
  if (!isPidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isPidAlive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  while (isPidAlive(pid)) await sleep(50);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function tailFile(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '(no log)';
  }
}

/** Polls check() until it returns true or the time is up; returns whether it succeeded. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * Waits for a part the stack just started (pid) to answer: polls check() like waitUntil, and stops
 * at once when the process is gone (a bad setting, a port taken after the check, too little
 * memory: its log says why), instead of polling a dead process until the time is up. Resolves
 * `ready`, `exited` or `timeout`.
 */
export async function awaitPart(
  pid: number,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<'ready' | 'exited' | 'timeout'> {
  let exited = false;
  const ready = await waitUntil(
    async () => {
      if (await check().catch(() => false)) return true;
      exited = !isPidAlive(pid);
      return exited;
    },
    timeoutMs,
    intervalMs,
  );
  return exited ? 'exited' : ready ? 'ready' : 'timeout';
}

/** The coded error of a part that did not come up: it exited, or did not answer in time. */
export function partNotUp(
  outcome: 'exited' | 'timeout',
  part: string,
  what: string,
  timeoutMs: number,
  logFile: string,
): CrossdockError {
  return outcome === 'exited'
    ? new CrossdockError(
        'CD_E_STACK_PART_EXITED',
        `${what} exited while starting. Log tail (${logFile}):\n${tailFile(logFile)}`,
        { details: { part, logFile } },
      )
    : new CrossdockError(
        'CD_E_STACK_NOT_READY',
        `${what} did not answer within ${timeoutMs / 1000}s. Log tail (${logFile}):\n${tailFile(logFile)}`,
        { retriable: true, details: { part, logFile } },
      );
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output. ENOENT resolves with code null. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'pipe' });
    } catch (err) {
      // Some failures (ENOTDIR: a path component is a file) throw instead of emitting 'error'.
      return resolve({ code: null, stdout: '', stderr: (err as Error).message });
    }
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout, stderr: stderr + err.message }),
    );
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
