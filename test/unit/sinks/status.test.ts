import { lagOf } from '../../../connectors/sinks/status';

describe('subscriber lag for /status', () => {
  it('sums end offset minus committed offset over the partitions', () => {
    expect(
      lagOf(
        [
          { partition: 0, high: '10', low: '0' },
          { partition: 1, high: '7', low: '0' },
        ],
        [
          { partition: 0, offset: '4' },
          { partition: 1, offset: '7' },
        ],
      ),
    ).toBe(6);
  });

  it('counts a partition without a commit from its start, and never below zero', () => {
    expect(
      lagOf(
        [
          { partition: 0, high: '10', low: '3' },
          { partition: 1, high: '5', low: '0' },
        ],
        [
          { partition: 0, offset: '-1' },
          { partition: 1, offset: '9' },
        ],
      ),
    ).toBe(7);
  });
});
