import Module from 'node:module';
import { CrossdockError } from './errors';
import { filterAbortedMessages } from './kafkajs-read-committed';
import { installRecordEncoder } from './kafkajs-record-encoder';
import { installSendFix } from './kafkajs-send-fix';

/**
 * kafkajs 2.2.4 (the last release) can hand records of aborted transactions to a read_committed
 * consumer (core/kafkajs-read-committed.ts says when). Every reader of the router's output is a
 * read_committed kafkajs consumer (subscriber connectors, tests, benchmarks), and the router aborts
 * transactions in normal operation (rebalances, fencing, failures), so the fix is not optional.
 *
 * kafkajs's consumer/batch.js takes its filter with `require('./filterAbortedMessages')` when it is
 * first loaded. `installReadCommittedFix()` puts the correct filter into Node's module cache under
 * that file's path before that happens: it must run before anything loads kafkajs, so every module
 * that loads kafkajs imports this one before it (core/kafka.ts, and the few that import kafkajs
 * itself; test/unit/core/kafkajs-patch-first.test.ts checks each). The CLI loads neither until a
 * command needs Kafka. Under jest, whose module
 * registry is its own, jest.config.js maps the module instead. `assertReadCommittedFix()` proves the
 * filter in use on a case the kafkajs one gets wrong; createKafka() calls it, so a process that
 * loaded kafkajs too early fails at start with CD_E_KAFKAJS_UNPATCHED instead of reading aborted
 * records.
 */

const FILTER_MODULE = 'kafkajs/src/consumer/filterAbortedMessages.js';
const BATCH_MODULE = 'kafkajs/src/consumer/batch.js';

export function installReadCommittedFix(): void {
  const path = require.resolve(FILTER_MODULE);
  // Already ours, or kafkajs's own is loaded already (assertReadCommittedFix() will say so).
  if (require.cache[path]) return;
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = filterAbortedMessages;
  require.cache[path] = m;
}

let proven = false;

/** Throws CD_E_KAFKAJS_UNPATCHED unless kafkajs drops aborted records correctly in this process. */
export function assertReadCommittedFix(): void {
  if (proven) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Batch = require(BATCH_MODULE) as new (
    topic: string,
    fetchedOffset: string,
    partitionData: unknown,
  ) => { messages: Array<{ offset: string }> };
  const rec = (offset: string, producerId: string) => ({
    offset,
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    isControlRecord: false,
    batchContext: { producerId, inTransaction: true },
  });
  // Two producers' transactions, both aborted, begun before this fetch (which starts at 12).
  const batch = new Batch('t', '12', {
    partition: 0,
    highWatermark: '20',
    abortedTransactions: [
      { producerId: '1', firstOffset: '10' },
      { producerId: '2', firstOffset: '11' },
    ],
    messages: [rec('12', '2'), rec('13', '1')],
  });
  if (batch.messages.length !== 0)
    throw new CrossdockError(
      'CD_E_KAFKAJS_UNPATCHED',
      `kafkajs was loaded before its read_committed fix (core/kafkajs-patch.ts): records of aborted transactions could be read (${batch.messages.length} of 2 leaked in the self-check)`,
      { details: { module: FILTER_MODULE } },
    );
  proven = true;
}

installReadCommittedFix();
// And the producer's retry fix (core/kafkajs-send-fix.ts), installed the same way.
installSendFix();
// And the faster record encoder (core/kafkajs-record-encoder.ts): the same bytes, less allocation.
installRecordEncoder();
