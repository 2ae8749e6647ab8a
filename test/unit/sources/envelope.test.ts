import { newTraceparent, validTraceparent } from '../../../connectors/sources/envelope';

describe('envelope traceparents', () => {
  it('makes valid, distinct traceparents across refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const t = newTraceparent();
      expect(validTraceparent(t)).toBe(t);
      seen.add(t.slice(3, 35));
      seen.add(t.slice(36, 52));
    }
    expect(seen.size).toBe(6000);
  });
});
