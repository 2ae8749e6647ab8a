import type { KafkaMessage } from 'kafkajs';
import { deadLetterHeaders, DLQ_HEADERS } from '../../../core/dead-letters';
import { readRouterDeadLetter, ruleFromMessage } from '../../../flows/feed/dead-letters';
import { factsOf, type FactDeps } from '../../../flows/feed/facts';
import type { ReadRecord } from '../../../flows/feed/read-record';
import { RejectionBook } from '../../../flows/feed/rejections';

const T = 'cd.ingress.us-chi';
const letter = (code: string, offset: string, extra: { rule?: string; message?: string } = {}) =>
  deadLetterHeaders(
    {
      code,
      message: extra.message ?? 'why',
      stage: 'router.rules',
      lastFailedAt: 1,
      original: { topic: T, partition: 2, offset },
      ...(extra.rule ? { rule: extra.rule } : {}),
    },
    undefined,
  );

describe('reading a router dead letter', () => {
  it('names the ingress record and the code; the rule from cd-error-rule', () => {
    expect(readRouterDeadLetter(letter('CD_E_RULE_VIOLATION', '17', { rule: 'known-currency' }))).toEqual({
      topic: T,
      partition: 2,
      offset: 17n,
      rejection: { code: 'CD_E_RULE_VIOLATION', rule: 'known-currency' },
    });
  });

  it('falls back to `rule <name>:` in the message for letters written before the header', () => {
    const h = letter('CD_E_RULE_VIOLATION', '3', { message: 'rule positive-qty: lines.0.qty must be >= 1' });
    expect(h[DLQ_HEADERS.rule]).toBeUndefined();
    expect(readRouterDeadLetter(h)!.rejection).toEqual({ code: 'CD_E_RULE_VIOLATION', rule: 'positive-qty' });
    expect(ruleFromMessage('no rule here')).toBeUndefined();
  });

  it('gives no rule for other codes, even when the message looks like one', () => {
    const h = letter('CD_E_SITE_MISMATCH', '4', { message: 'rule x: y' });
    expect(readRouterDeadLetter(h)!.rejection).toEqual({ code: 'CD_E_SITE_MISMATCH' });
  });

  it('ignores a record that names no ingress record', () => {
    expect(readRouterDeadLetter({ [DLQ_HEADERS.code]: 'CD_E_X' })).toBeUndefined();
    expect(
      readRouterDeadLetter({
        [DLQ_HEADERS.originalTopic]: T,
        [DLQ_HEADERS.originalPartition]: '0',
        [DLQ_HEADERS.originalOffset]: 'x',
      }),
    ).toBeUndefined();
  });
});

describe('the rejection book', () => {
  it('keeps rejections until the tracker has committed past them, and none that arrive below', () => {
    const book = new RejectionBook();
    const add = (offset: bigint) => book.add({ topic: T, partition: 0, offset, rejection: { code: 'C' } });
    add(5n);
    add(9n);
    expect(book.size).toBe(2);
    book.prune(T, 0, 6n);
    expect(book.get(T, 0, 5n)).toBeUndefined();
    expect(book.get(T, 0, 9n)).toEqual({ code: 'C' });
    add(4n);
    expect(book.size).toBe(1);
    // A lower floor later (another reader's older commit) changes nothing.
    book.prune(T, 0, 2n);
    expect(book.get(T, 0, 9n)).toEqual({ code: 'C' });
    book.prune(T, 1, 100n);
    expect(book.size).toBe(1);
  });
});

describe('facts of a decided batch', () => {
  const read = (over: Partial<ReadRecord>): ReadRecord => ({
    eventId: 'e',
    eventType: 'OrderReleased',
    schemaVersion: 2,
    deprecated: false,
    occurredAt: 1000,
    correlationId: 'c',
    ...over,
  });
  const msg = (offset: string, id: string): KafkaMessage =>
    ({
      offset,
      timestamp: '5000',
      key: null,
      value: Buffer.from(id),
      headers: {},
      attributes: 0,
    }) as KafkaMessage;

  function deps(
    values: Record<string, ReadRecord>,
    marks: Record<string, string>,
    book: RejectionBook,
  ): FactDeps {
    return {
      siteOf: () => 'us-chi',
      rejectionOf: (t, p, o) => book.get(t, p, o),
      read: async (value, withEvent) => {
        const r = values[value!.toString()]!;
        return withEvent ? { ...r, event: { id: r.eventId } } : r;
      },
      firstOrigins: async (ids) => ids.map((id) => marks[id]),
    };
  }

  it('rejected where a dead letter names it, duplicate where the mark names another origin, else accepted', async () => {
    const book = new RejectionBook();
    book.add({ topic: T, partition: 0, offset: 11n, rejection: { code: 'CD_E_RULE_VIOLATION', rule: 'r' } });
    const values = {
      a: read({ eventId: 'a' }),
      b: read({ eventId: 'b', deprecated: true, schemaVersion: 1 }),
      dupA: read({ eventId: 'a' }),
      gone: read({ eventId: 'g' }),
      junk: read({ eventId: '', eventType: 'unknown', schemaVersion: undefined, occurredAt: undefined }),
    };
    const marks = { a: `${T}/0/10`, g: undefined as unknown as string };
    const facts = await factsOf(deps(values, marks, book), T, 0, [
      msg('10', 'a'),
      msg('11', 'b'),
      msg('12', 'dupA'),
      msg('13', 'gone'),
      msg('14', 'junk'),
    ]);
    expect(facts.map((f) => [f.offset, f.outcome, f.eventId, f.rejection, !!f.event])).toEqual([
      ['10', 'accepted', 'a', undefined, true],
      ['11', 'rejected', 'b', { code: 'CD_E_RULE_VIOLATION', rule: 'r' }, false],
      ['12', 'duplicate', 'a', undefined, false],
      // No mark any more (expired): taken as accepted.
      ['13', 'accepted', 'g', undefined, true],
      ['14', 'accepted', '', undefined, true],
    ]);
    expect(facts[1]).toMatchObject({ deprecated: true, schemaVersion: 1, siteId: 'us-chi' });
    // occurredAt from the metadata, else the record's timestamp; receivedAt the record's timestamp.
    expect([facts[0]!.occurredAt, facts[4]!.occurredAt, facts[4]!.receivedAt]).toEqual([1000, 5000, 5000]);
    expect(facts[4]!.schemaVersion).toBeUndefined();
  });
});

describe('the engine sink', () => {
  it('takes only the accepted facts, and is not called for a batch without any', async () => {
    const { acceptedOnly } = await import('../../../flows/component');
    const got: string[][] = [];
    const sink = acceptedOnly({ onFacts: async (f) => void got.push(f.map((x) => x.offset)) });
    const fact = (offset: string, outcome: 'accepted' | 'rejected' | 'duplicate') =>
      ({ offset, outcome }) as unknown as import('../../../flows').IngressFact;
    await sink.onFacts([
      fact('1', 'accepted'),
      fact('2', 'rejected'),
      fact('3', 'duplicate'),
      fact('4', 'accepted'),
    ]);
    await sink.onFacts([fact('5', 'rejected')]);
    expect(got).toEqual([['1', '4']]);
  });
});
