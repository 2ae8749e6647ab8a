import { account } from '../../../../bench/e2e/accounting';

describe('e2e loss / duplicate accounting', () => {
  it('counts a clean run: every event once', () => {
    expect(account(['a', 'b', 'c'], ['c', 'a', 'b'])).toEqual({
      sent: 3,
      deliveries: 3,
      arrived: 3,
      lost: 0,
      doubled: 0,
      extraDeliveries: 0,
      unexpected: 0,
      lostSample: [],
    });
  });

  it('counts lost, doubled (and the extra requests) and arrivals never sent', () => {
    const a = account(['a', 'b', 'c', 'd'], ['a', 'a', 'a', 'b', 'zz', 'b']);
    expect(a).toMatchObject({
      sent: 4,
      deliveries: 5,
      arrived: 2,
      lost: 2,
      doubled: 2,
      extraDeliveries: 3,
      unexpected: 1,
    });
    expect(a.lostSample).toEqual(['c', 'd']);
  });

  it('counts an id sent twice once, and keeps the lost sample short', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `e${i}`);
    const a = account([...ids, 'e0'], [], 3);
    expect(a.sent).toBe(20);
    expect(a.lost).toBe(20);
    expect(a.lostSample).toEqual(['e0', 'e1', 'e2']);
  });
});
