import path from 'node:path';
import { NATIVE_PATCHES_ID } from './native-patches';

/**
 * Where the librdkafka-based client lives once built (core/kafka-client/native-build.ts) and where
 * a failed build says why. One folder per client version, source patches (native-patches.ts), Node
 * ABI, platform and architecture, so a Node upgrade or a changed patch builds again instead of
 * loading a binding made for another ABI or without the patch.
 */

export const NATIVE_CLIENT = Object.freeze({
  package: '@confluentinc/kafka-javascript',
  version: '1.10.1',
  /** The librdkafka it bundles. */
  librdkafka: '2.15.1',
});

export function nativeClientDir(
  cacheDir: string,
  proc: Pick<NodeJS.Process, 'versions' | 'platform' | 'arch'> = process,
): string {
  return path.join(
    cacheDir,
    'native',
    `kafka-javascript-${NATIVE_CLIENT.version}-p${NATIVE_PATCHES_ID}-abi${proc.versions.modules}-${proc.platform}-${proc.arch}`,
  );
}

/** What a failed build leaves behind, for the hub's CD_E_KAFKA_NATIVE_UNAVAILABLE. */
export interface NativeFailure {
  code: string;
  step: string;
  message: string;
  /** The build log's path. */
  log: string;
  at: string;
}

export function nativeFailureFile(cacheDir: string): string {
  return `${nativeClientDir(cacheDir)}.failed.json`;
}
