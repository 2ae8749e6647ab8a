import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isPidAlive } from '../../stack/proc';

/** Child processes of the soak: spawned with their output in a log file, never outliving it. */
export const ROOT = path.resolve(__dirname, '../..');
export const CROSSDOCK_BIN = path.join(ROOT, 'bin', 'crossdock.js');

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `command args` with stdout and stderr appended to logFile. */
export function spawnLogged(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): ChildProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs a command to its end; resolves with its exit code (output in logFile). */
export function runLogged(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<number> {
  const child = spawnLogged(command, args, env, logFile);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends `signal` to pid and waits until it is gone; SIGKILL after graceMs. */
export async function killAndWait(pid: number, signal: NodeJS.Signals, graceMs = 30000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isPidAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(100);
  }
}

/** Waits for a child to exit (resolves at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** The last lines of a log file, for a message. */
export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
