/**
 * A correct read_committed filter for kafkajs 2.2.4, installed in place of its
 * `src/consumer/filterAbortedMessages.js` (see core/kafkajs-patch.ts for how and why).
 *
 * The broker answers a read_committed fetch with the records up to the last stable offset and the
 * list of aborted transactions that overlap them (producer id, first offset). The client must drop
 * every transactional record of an aborted producer from that transaction's first offset up to the
 * producer's ABORT marker (Kafka's Fetcher does this with a queue of aborted transactions ordered by
 * first offset). kafkajs takes at most one entry off that list per record (`if`, where a loop is
 * needed), so when a fetch starts past the first offsets of two or more aborted transactions, for
 * instance two transactional producers aborting at once and the reader's previous fetch ending
 * between their records, records of the second are handed to the application as if committed.
 *
 * Same inputs and output shape as the kafkajs function: records in offset order (control records
 * included; kafkajs removes them afterwards), each with `offset`, `key` and `batchContext`.
 */

interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

interface RecordLike {
  offset: string;
  key?: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

/** Control record key of an ABORT marker: version 0 (int16), type 0 = ABORT (int16). */
function isAbortMarker(r: RecordLike): boolean {
  const k = r.key;
  return !!k && k.length === 4 && k[0] === 0 && k[1] === 0 && k[2] === 0 && k[3] === 0;
}

export function filterAbortedMessages<T extends RecordLike>({
  messages,
  abortedTransactions,
}: {
  messages: T[];
  abortedTransactions?: AbortedTransaction[];
}): T[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = abortedTransactions
    .map((a) => ({ producerId: String(a.producerId), first: BigInt(a.firstOffset) }))
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const aborting = new Set<string>();
  let next = 0;
  return messages.filter((m) => {
    const offset = BigInt(m.offset);
    // Every aborted transaction that has begun by this offset, not just the first one.
    while (next < pending.length && pending[next]!.first <= offset) aborting.add(pending[next++]!.producerId);
    const pid = String(m.batchContext.producerId);
    if (isAbortMarker(m)) {
      aborting.delete(pid); // its transaction ends here (the marker itself is a control record)
      return true;
    }
    return !(m.batchContext.inTransaction && aborting.has(pid));
  });
}
