import { assertReadCommittedFix } from '../../../core/kafkajs-patch';
import { filterAbortedMessages } from '../../../core/kafkajs-read-committed';

// kafkajs's own filter, by its full path (jest.config.js maps only kafkajs's relative require).
const kafkajsFilter =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('kafkajs/src/consumer/filterAbortedMessages.js') as typeof filterAbortedMessages;

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);
const rec = (offset: number, producerId: string, inTransaction = true) => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  isControlRecord: false,
  batchContext: { producerId, inTransaction },
});
const marker = (offset: number, producerId: string, key: Buffer) => ({
  offset: String(offset),
  key,
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});
const offsets = (list: Array<{ offset: string; isControlRecord?: boolean }>) =>
  list.filter((m) => !m.isControlRecord).map((m) => Number(m.offset));

describe('read_committed filter (kafkajs fix)', () => {
  // Producers 1 and 2 both aborted transactions that began before this fetch (which starts at 12).
  const midFetch = {
    messages: [
      rec(12, '2'),
      rec(13, '1'),
      rec(14, '2'),
      marker(15, '1', ABORT),
      marker(16, '2', ABORT),
      rec(17, '3', false),
    ],
    abortedTransactions: [
      { producerId: '1', firstOffset: '10' },
      { producerId: '2', firstOffset: '11' },
    ],
  };

  it('drops every aborted transaction begun before the fetch, where kafkajs leaks one', () => {
    expect(offsets(filterAbortedMessages(midFetch))).toEqual([17]);
    // The defect being fixed: kafkajs takes one aborted transaction per record.
    expect(offsets(kafkajsFilter(midFetch))).toContain(12);
  });

  it('keeps a committed transaction of the same producer after its abort marker', () => {
    const out = filterAbortedMessages({
      messages: [rec(0, '1'), rec(1, '1'), marker(2, '1', ABORT), rec(3, '1'), marker(4, '1', COMMIT)],
      abortedTransactions: [{ producerId: '1', firstOffset: '0' }],
    });
    expect(offsets(out)).toEqual([3]);
  });

  it("keeps the producer's records before its aborted transaction began, and other producers'", () => {
    const out = filterAbortedMessages({
      messages: [
        rec(5, '1'),
        marker(6, '1', COMMIT),
        rec(7, '2'),
        rec(8, '1'),
        rec(9, '2', false),
        marker(10, '1', ABORT),
      ],
      abortedTransactions: [{ producerId: '1', firstOffset: '8' }],
    });
    expect(offsets(out)).toEqual([5, 7, 9]);
  });

  it('orders the aborted list itself (the broker need not)', () => {
    const out = filterAbortedMessages({
      messages: [rec(20, '1'), rec(21, '2'), rec(22, '3')],
      abortedTransactions: [
        { producerId: '2', firstOffset: '21' },
        { producerId: '1', firstOffset: '20' },
      ],
    });
    expect(offsets(out)).toEqual([22]);
  });

  it('is the filter kafkajs uses in this process', () => {
    expect(() => assertReadCommittedFix()).not.toThrow();
  });
});
