import os from 'node:os';
import path from 'node:path';

/**
 * crossdock's folders outside the repository: CROSSDOCK_HOME (default ~/.crossdock) holds the
 * local stack's state; its cache/ (CROSSDOCK_CACHE_DIR moves it alone) holds what is downloaded
 * or built once: the broker's jars, the registry, the native Kafka client.
 */
export function crossdockHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.CROSSDOCK_HOME ?? path.join(os.homedir(), '.crossdock');
}

export function crossdockCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CROSSDOCK_CACHE_DIR ?? path.join(crossdockHome(env), 'cache');
}
