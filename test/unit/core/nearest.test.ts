import { editDistance, nearestName } from '../../../core/nearest';

describe('nearestName: "did you mean"', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('OrderRelased', 'OrderReleased')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests the closest name, ignoring case', () => {
    expect(nearestName('orderrelased', ['OrderHoldPlaced', 'OrderReleased'])).toBe('OrderReleased');
    expect(nearestName('quantiy', ['sku', 'quantity', 'unit'])).toBe('quantity');
  });

  it('suggests nothing when no name is close enough to be a typo', () => {
    expect(nearestName('Invoice', ['OrderReleased', 'ShipmentConfirmed'])).toBeUndefined();
    expect(nearestName('x', [])).toBeUndefined();
  });

  it('allows more typos in longer names, fewer with a larger divisor', () => {
    // 'OrdrRelasd' (10 letters) is 3 edits from 'OrderReleased'.
    expect(editDistance('OrdrRelasd', 'OrderReleased')).toBe(3);
    expect(nearestName('OrdrRelasd', ['OrderReleased'], 3)).toBe('OrderReleased'); // max(2, 10/3 = 3)
    expect(nearestName('OrdrRelasd', ['OrderReleased'], 4)).toBeUndefined(); // max(2, 10/4 = 2)
  });
});
