import { settledOutcome } from '../../../router/commit';

/**
 * router/commit.ts settledOutcome: the outcome router.commit_settled reports for a transaction
 * whose EndTxn answer was lost, from the group's offsets read afterwards. A partition may have
 * several batches in one transaction (group commit); only its last batch's `next` was committed.
 */
describe('settledOutcome', () => {
  const batches = [
    { key: 'in.a/0', next: '10' },
    { key: 'in.b/3', next: '7' },
    { key: 'in.a/0', next: '20' },
  ];

  it("committed when every partition is at its last batch's next, with two batches of one partition", () => {
    expect(
      settledOutcome(
        batches,
        new Map([
          ['in.a/0', '20'],
          ['in.b/3', '7'],
        ]),
      ),
    ).toBe('committed');
  });

  it('aborted when the offsets are where the transaction started', () => {
    expect(
      settledOutcome(
        batches,
        new Map([
          ['in.a/0', '0'],
          ['in.b/3', '4'],
        ]),
      ),
    ).toBe('aborted');
  });

  it("aborted when a partition is at an earlier batch's next or has no offset", () => {
    expect(
      settledOutcome(
        batches,
        new Map([
          ['in.a/0', '10'],
          ['in.b/3', '7'],
        ]),
      ),
    ).toBe('aborted');
    expect(settledOutcome(batches, new Map([['in.a/0', '20']]))).toBe('aborted');
  });
});
