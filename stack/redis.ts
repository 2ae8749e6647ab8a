import path from 'node:path';
import fs from 'node:fs';
import { CrossdockError } from '../core/errors';
import type { StackPaths } from './paths';
import { redisAnswers } from './probes';
import { freePort, run, spawnDetached, tailFile, waitUntil } from './proc';
import type { Progress } from './progress';
import type { PartState } from './state';

/** redis-server rewrites its command line to `redis-server host:port`, so this is what a recorded pid shows. */
export const REDIS_MARKER = 'redis-server';

/**
 * Starts a redis-server of our own on a free loopback port; used only when nothing answers at
 * the configured REDIS_URL. It keeps nothing on disk: the shared Redis on CI does the same.
 */
export async function startRedis(
  paths: StackPaths,
  progress: Progress,
  timeoutMs: number,
): Promise<PartState & { url: string }> {
  const which = await run('redis-server', ['--version']);
  if (which.code !== 0) {
    throw new CrossdockError(
      'CD_E_STACK_NO_REDIS',
      'Nothing answers at REDIS_URL and redis-server is not on PATH to start one.',
    );
  }
  const port = await freePort();
  fs.mkdirSync(paths.logs, { recursive: true });
  const logFile = path.join(paths.logs, 'redis.log');
  progress.emit(
    'stack.starting',
    { part: 'redis', port },
    `nothing answers at the default; starting redis-server on 127.0.0.1:${port}`,
  );
  const pid = spawnDetached(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      paths.stackDir,
    ],
    {
      logFile,
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  if (!(await waitUntil(() => redisAnswers(url), timeoutMs))) {
    throw new CrossdockError(
      'CD_E_STACK_NOT_READY',
      `redis-server did not answer at ${url}. Log tail:\n${tailFile(logFile)}`,
      { retriable: true },
    );
  }
  return { pid, logFile, url, startedAt: new Date().toISOString() };
}
