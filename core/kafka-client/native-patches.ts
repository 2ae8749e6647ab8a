import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Source patches the native build (native-build.ts) applies to the unpacked client before it
 * compiles it: fixes to the bundled librdkafka that crossdock's exactly-once path needs and that
 * the pinned release (NATIVE_CLIENT in native-where.ts) lacks.
 *
 * Contract: `applyNativePatches(packageDir)` rewrites each file, each `find` text occurring exactly
 * once, or throws naming the patch and the file (a new client version must be looked at again, not
 * patched blindly). `NATIVE_PATCHES_ID` changes with the patches' content and is part of the
 * build's folder name, so a changed list builds the client again instead of loading an old build.
 */

export interface NativePatch {
  name: string;
  /** Relative to the unpacked package. */
  file: string;
  find: string;
  replace: string;
  why: string;
}

export const NATIVE_PATCHES: readonly NativePatch[] = Object.freeze([
  {
    name: 'librdkafka-unstable-offsets-requery',
    file: 'deps/librdkafka/src/rdkafka_assignment.c',
    why:
      'An OffsetFetch answered UNSTABLE_OFFSET_COMMIT (a transaction holding offsets of the ' +
      'partition is still open, KIP-447) after the assignment changed is put back on the pending ' +
      'list with the offset the broker sent, -1 (INVALID), so the partition is started at ' +
      'auto.offset.reset instead of being queried again once the transaction ends: the new owner ' +
      'read from the earliest offset what the old owner was committing (a router rebalance with ' +
      'commits in flight routed those events twice). Queried again (STORED), as the stale member ' +
      'epoch branch beside it already does.',
    find: `                        rd_kafka_topic_partition_list_add_copy(
                            rk->rk_consumer.assignment.pending, rktpar);

                } else if (rktpar->err) {`,
    replace: `                        /* crossdock: query the committed offset again once the
                         * transaction ends (the broker sent -1, which would start the
                         * partition at auto.offset.reset). */
                        rd_kafka_topic_partition_list_add_copy(
                            rk->rk_consumer.assignment.pending, rktpar)
                            ->offset = RD_KAFKA_OFFSET_STORED;

                } else if (rktpar->err) {`,
  },
]);

export const NATIVE_PATCHES_ID = crypto
  .createHash('sha256')
  .update(JSON.stringify(NATIVE_PATCHES.map(({ file, find, replace }) => ({ file, find, replace }))))
  .digest('hex')
  .slice(0, 8);

/** Applies every patch to the package unpacked in `packageDir`; the names applied. */
export function applyNativePatches(
  packageDir: string,
  patches: readonly NativePatch[] = NATIVE_PATCHES,
): string[] {
  for (const p of patches) {
    const file = path.join(packageDir, p.file);
    if (!fs.existsSync(file)) throw new Error(`native patch ${p.name}: ${p.file} is not in the package`);
    const text = fs.readFileSync(file, 'utf8');
    const at = text.indexOf(p.find);
    if (at < 0 || text.indexOf(p.find, at + 1) >= 0)
      throw new Error(
        `native patch ${p.name}: the text it replaces occurs ${at < 0 ? 'nowhere' : 'more than once'} in ${p.file}`,
      );
    fs.writeFileSync(file, text.slice(0, at) + p.replace + text.slice(at + p.find.length));
  }
  return patches.map((p) => p.name);
}
