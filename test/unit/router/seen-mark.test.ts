import { markRoutes, parseOrigin, parseSeenMark } from '../../../router/dedupe';

/** The router's duplicate mark, both layouts (router/dedupe.ts, router/lua/seen-batch.lua). */
describe('parseSeenMark', () => {
  const hash = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

  it('reads a mark of the first layout: hash and origin only', () => {
    expect(parseSeenMark(`${hash} cd.ingress.us-chi/3/1024`)).toEqual({
      hash,
      origin: { topic: 'cd.ingress.us-chi', partition: 3, offset: '1024' },
    });
  });

  it('reads the time and the routed subscribers of the current layout', () => {
    expect(
      parseSeenMark(
        `${hash} cd.ingress.us-chi/0/7 1760000000123 wms-chicago=orders-to-wms,analytics=everything`,
      ),
    ).toEqual({
      hash,
      origin: { topic: 'cd.ingress.us-chi', partition: 0, offset: '7' },
      firstSeenAt: 1760000000123,
      routed: [
        { subscriber: 'wms-chicago', route: 'orders-to-wms' },
        { subscriber: 'analytics', route: 'everything' },
      ],
    });
  });

  it('reads an unrouted event (no route field) as routed to nobody', () => {
    expect(parseSeenMark(`${hash} t.ingress.a/0/0 5`)).toEqual({
      hash,
      origin: { topic: 't.ingress.a', partition: 0, offset: '0' },
      firstSeenAt: 5,
      routed: [],
    });
  });

  it('keeps offsets beyond 2^53 exact', () => {
    expect(parseSeenMark(`${hash} t.ingress.a/1/9007199254740993`)!.origin.offset).toBe('9007199254740993');
  });

  it.each([
    ['empty', ''],
    ['hash only', hash],
    ['no origin', `${hash} `],
    ['origin without offset', `${hash} t.ingress.a/1`],
    ['non-numeric partition', `${hash} t.ingress.a/x/1`],
    ['non-numeric time', `${hash} t.ingress.a/1/2 soon a=b`],
    ['a route pair without =', `${hash} t.ingress.a/1/2 3 a`],
    ['a pair without subscriber', `${hash} t.ingress.a/1/2 3 =r`],
    ['too many fields', `${hash} t.ingress.a/1/2 3 a=b extra`],
    ['double space', `${hash}  t.ingress.a/1/2`],
  ])('refuses a malformed mark: %s', (_why, value) => {
    expect(parseSeenMark(value)).toBeUndefined();
  });

  it('parseOrigin splits topic, partition and offset', () => {
    expect(parseOrigin('p.ingress.mx-mty/11/0')).toEqual({
      topic: 'p.ingress.mx-mty',
      partition: 11,
      offset: '0',
    });
    expect(parseOrigin('a/b/1/2')).toBeUndefined();
  });
});

describe('markRoutes', () => {
  it('writes subscribers in decision order with their routes, and what it writes parses back', () => {
    const decision = { subscribers: ['b', 'a'], routeOf: { a: 'r-a', b: 'r-b' } };
    expect(markRoutes(decision)).toBe('b=r-b,a=r-a');
    expect(markRoutes(decision)).toBe('b=r-b,a=r-a'); // cached per decision object
    expect(parseSeenMark(`h t.ingress.s/0/1 2 ${markRoutes(decision)}`)!.routed).toEqual([
      { subscriber: 'b', route: 'r-b' },
      { subscriber: 'a', route: 'r-a' },
    ]);
    expect(markRoutes({ subscribers: [], routeOf: {} })).toBe('');
  });
});
