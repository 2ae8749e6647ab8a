import fs from 'node:fs';
import { CrossdockError, describeError } from '../errors';
import { NATIVE_CLIENT, nativeClientDir, nativeFailureFile, type NativeFailure } from './native-where';
import { guardNativeModule } from './native-guards';
import type { NativeKafkaModule } from './native-types';

/**
 * Loads the native Kafka client built by `npm install` (native-build.ts) from the cache.
 *
 * Contract: never throws. Gives the module, or the CD_E_KAFKA_NATIVE_UNAVAILABLE error that says
 * why not (CROSSDOCK_KAFKA_NATIVE=off; never built; the build's recorded failure and its log; the
 * binding does not load). One load per folder and process: the answer does not change while the
 * process runs. The module comes guarded (native-guards.ts).
 */

export type NativeLoad =
  | { ok: true; module: NativeKafkaModule; dir: string; librdkafkaVersion: string }
  | { ok: false; error: CrossdockError };

const loaded = new Map<string, NativeLoad>();

function unavailable(why: string, details: Record<string, unknown>): NativeLoad {
  return {
    ok: false,
    error: new CrossdockError(
      'CD_E_KAFKA_NATIVE_UNAVAILABLE',
      `The native Kafka client (${NATIVE_CLIENT.package} ${NATIVE_CLIENT.version}) is not available: ${why}`,
      { details },
    ),
  };
}

export function loadNativeKafka(cacheDir: string, env: NodeJS.ProcessEnv = process.env): NativeLoad {
  if (env.CROSSDOCK_KAFKA_NATIVE === 'off')
    return unavailable('turned off (CROSSDOCK_KAFKA_NATIVE=off)', { off: true });
  const dir = nativeClientDir(cacheDir);
  const known = loaded.get(dir);
  if (known) return known;
  let result: NativeLoad;
  if (!fs.existsSync(dir)) {
    const failureFile = nativeFailureFile(cacheDir);
    if (fs.existsSync(failureFile)) {
      let failure: Partial<NativeFailure> = {};
      try {
        failure = JSON.parse(fs.readFileSync(failureFile, 'utf8')) as NativeFailure;
      } catch {
        /* an unreadable record says no more than its absence */
      }
      result = unavailable(
        `its build failed (${failure.message ?? 'see the log'}; log: ${failure.log ?? 'unknown'}). \`npm run native\` tries again.`,
        { dir, ...failure },
      );
    } else
      result = unavailable(`it was not built (${dir} is missing). \`npm run native\` builds it.`, { dir });
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(dir) as NativeKafkaModule;
      guardNativeModule(module);
      result = { ok: true, module, dir, librdkafkaVersion: String(module.librdkafkaVersion) };
    } catch (err) {
      result = unavailable(
        `it does not load from ${dir} (${describeError(err)}). \`npm run native\` builds it again.`,
        {
          dir,
        },
      );
    }
  }
  loaded.set(dir, result);
  return result;
}
