import path from 'node:path';
import fs from 'node:fs';
import { CrossdockError } from '../core/errors';
import type { StackPorts } from '../core/env';
import { assertPortsFree } from './kafka';
import type { StackPaths } from './paths';
import { redisAnswers } from './probes';
import { awaitPart, partNotUp, run, spawnDetached } from './proc';
import type { Progress } from './progress';
import type { PartState } from './state';

/** redis-server rewrites its command line to `redis-server host:port`, so this is what a recorded pid shows. */
export const REDIS_MARKER = 'redis-server';

/**
 * How the stack's redis-server keeps its data (docker-compose.yml's Redis uses the same). The hub keeps state in Redis that Kafka offsets were
 * committed against (retries, events parked behind a key, idempotency records), so this Redis
 * writes every change to an append-only file and fsyncs it once a second (`appendfsync
 * everysec`): a kill -9 of redis-server loses nothing (the writes are in the OS page cache), a
 * power loss or kernel crash at most the last second. `noeviction` makes a full Redis refuse
 * writes instead of dropping keys.
 */
export const REDIS_PERSISTENCE_ARGS: readonly string[] = Object.freeze([
  '--appendonly',
  'yes',
  '--appendfsync',
  'everysec',
  '--save',
  '',
  '--maxmemory-policy',
  'noeviction',
]);

/** The stack's redis-server command line: its persistence, loopback only, protected mode on. */
export function redisServerArgs(port: number, dataDir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--dir',
    dataDir,
    ...REDIS_PERSISTENCE_ARGS,
    '--daemonize',
    'no',
  ];
}

/**
 * Starts the stack's own redis-server on its port (CROSSDOCK_REDIS_PORT, default 16379) with its
 * data in `<home>/stack/redis-data`; a restart replays the append-only file found there.
 * @throws CrossdockError CD_E_STACK_NO_REDIS without redis-server on PATH, CD_E_STACK_PORT_IN_USE
 *   when another program holds the port, CD_E_STACK_NOT_READY when it does not answer in time, CD_E_STACK_PART_EXITED when it exits first
 */
export async function startRedis(
  paths: StackPaths,
  ports: StackPorts,
  progress: Progress,
  timeoutMs: number,
): Promise<PartState & { url: string }> {
  const which = await run('redis-server', ['--version']);
  if (which.code !== 0) {
    throw new CrossdockError(
      'CD_E_STACK_NO_REDIS',
      'The stack runs its own Redis but redis-server is not on PATH (apt-get install redis-server), and REDIS_URL is not set.',
    );
  }
  const version = /v=(\S+)/.exec(which.stdout)?.[1];
  await assertPortsFree([['Redis', ports.redis]]);
  fs.mkdirSync(paths.logs, { recursive: true });
  fs.mkdirSync(paths.redisData, { recursive: true });
  const logFile = path.join(paths.logs, 'redis.log');
  progress.emit(
    'stack.starting',
    { part: 'redis', port: ports.redis },
    `starting redis-server on 127.0.0.1:${ports.redis} (AOF in ${paths.redisData})`,
  );
  const pid = spawnDetached('redis-server', redisServerArgs(ports.redis, paths.redisData), { logFile });
  const url = `redis://127.0.0.1:${ports.redis}`;
  // Replaying a large append-only file takes a while; Redis answers LOADING until it is done.
  const outcome = await awaitPart(pid, () => redisAnswers(url), timeoutMs);
  if (outcome !== 'ready') throw partNotUp(outcome, 'redis', `redis-server (${url})`, timeoutMs, logFile);
  return { pid, logFile, url, version, startedAt: new Date().toISOString() };
}
