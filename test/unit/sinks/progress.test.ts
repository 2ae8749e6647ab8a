import { PartitionProgress } from '../../../connectors/sinks/progress';

const offsets = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));

describe('PartitionProgress (settled-prefix offsets)', () => {
  it('commits nothing until the first event is settled, then the first unsettled offset', () => {
    const p = new PartitionProgress();
    const b = p.add(offsets(10, 4), '13');
    expect(p.commitPoint()).toBeUndefined();
    b.settle(1);
    b.settle(2);
    expect(p.commitPoint()).toBeUndefined(); // 10 is not settled: nothing may be committed
    expect(p.firstUnsettled()).toBe('10');
    b.settle(0);
    expect(p.commitPoint()).toBe('13');
    expect(p.firstUnsettled()).toBe('13');
    b.settle(3);
    expect(p.commitPoint()).toBe('14');
    expect(p.firstUnsettled()).toBeUndefined();
    expect(p.unsettled).toBe(0);
  });

  it('a slow event of an earlier batch holds the commit point while later batches finish', () => {
    const p = new PartitionProgress();
    const a = p.add(offsets(0, 3), '2');
    const b = p.add(offsets(3, 3), '5');
    a.settle(0);
    for (let i = 0; i < 3; i++) b.settle(i);
    a.settle(2);
    expect(p.commitPoint()).toBe('1'); // offset 1 is still in flight
    expect(p.unsettled).toBe(1);
    a.settle(1);
    expect(p.commitPoint()).toBe('6');
  });

  it("a batch's last offset past its last message (a transaction marker) is the point once it is all settled", () => {
    const p = new PartitionProgress();
    const a = p.add(['7', '8'], '9');
    a.settle(0);
    expect(p.commitPoint()).toBe('8');
    a.settle(1);
    expect(p.commitPoint()).toBe('10');
  });

  it('settling twice counts once; offsets beyond 2^53 stay exact', () => {
    const p = new PartitionProgress();
    const a = p.add(['9007199254740993'], '9007199254740993');
    a.settle(0);
    a.settle(0);
    expect(p.unsettled).toBe(0);
    expect(p.commitPoint()).toBe('9007199254740994');
  });

  it('a range with no message (transaction markers only) moves the point once everything before it is settled', () => {
    const p = new PartitionProgress();
    const a = p.add(['0', '1'], '1');
    p.add([], '2'); // offset 2: a commit marker kafkajs skipped on its own
    a.settle(0);
    expect(p.commitPoint()).toBe('1');
    a.settle(1);
    expect(p.commitPoint()).toBe('3');
    p.add([], '3');
    expect(p.commitPoint()).toBe('4');
  });
});
