import { messageBytes, PublisherRoom } from '../../../connectors/sources/publisher-room';

describe('PublisherRoom (the ingress publisher bound)', () => {
  it('takes uses while both limits hold and refuses the one that would pass either', () => {
    const room = new PublisherRoom({ maxEvents: 10, maxBytes: 1000 });
    expect(room.tryTake({ events: 6, bytes: 100 })).toBe(true);
    expect(room.tryTake({ events: 4, bytes: 100 })).toBe(true);
    expect(room.tryTake({ events: 1, bytes: 1 })).toBe(false);
    room.release({ events: 4, bytes: 100 });
    expect(room.tryTake({ events: 1, bytes: 901 })).toBe(false);
    expect(room.tryTake({ events: 1, bytes: 900 })).toBe(true);
    expect(room.used).toEqual({ events: 7, bytes: 1000 });
  });

  it('takes one use larger than the bound when nothing is held (never refused for ever)', () => {
    const room = new PublisherRoom({ maxEvents: 10, maxBytes: 1000 });
    expect(room.tryTake({ events: 50, bytes: 5000 })).toBe(true);
    expect(room.tryTake({ events: 1, bytes: 1 })).toBe(false);
    room.release({ events: 50, bytes: 5000 });
    expect(room.used).toEqual({ events: 0, bytes: 0 });
  });

  it('serves waiters first come, first served: a later small use does not overtake a waiting big one', async () => {
    const room = new PublisherRoom({ maxEvents: 10, maxBytes: 1_000_000 });
    room.tryTake({ events: 8, bytes: 1 });
    const order: string[] = [];
    const big = room.take({ events: 5, bytes: 1 }).then(() => order.push('big'));
    expect(room.tryTake({ events: 1, bytes: 1 })).toBe(false); // would fit, but big waits first
    const small = room.take({ events: 1, bytes: 1 }).then(() => order.push('small'));
    expect(room.waiting).toBe(2);
    room.release({ events: 8, bytes: 1 });
    await Promise.all([big, small]);
    expect(order).toEqual(['big', 'small']);
    expect(room.used).toEqual({ events: 6, bytes: 2 });
  });

  it('wakeAll hands the room to every waiter (stop: they give it back)', async () => {
    const room = new PublisherRoom({ maxEvents: 1, maxBytes: 10 });
    room.tryTake({ events: 1, bytes: 1 });
    const w = room.take({ events: 1, bytes: 1 });
    room.wakeAll();
    await w;
    expect(room.waiting).toBe(0);
  });

  it('counts value, key and header bytes of a message', () => {
    expect(
      messageBytes({
        key: 'ab',
        value: Buffer.alloc(10),
        headers: { ce_id: 'xyz', multi: ['1', Buffer.alloc(2)] },
      }),
    ).toBe(2 + 10 + 5 + 3 + 5 + 1 + 2);
    expect(messageBytes({ value: null })).toBe(0);
  });
});
