import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const CHILD = path.join(__dirname, 'fixtures', 'connector-child.ts');
const ROOT = path.resolve(__dirname, '../../..');

/** A connector in its own process (fixtures/connector-child.ts), resolved once it is consuming. */
export function startChild(config: object): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', CHILD], {
    cwd: ROOT,
    env: { ...process.env, CD_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

/** Resolves once the child process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}
