import { crc16, hashTag, keySlot, slotConflict } from '../../../core/redis-slot';

describe('Redis Cluster key slots (CRC16/XMODEM, hash tags)', () => {
  it('CRC16 of "123456789" is 0x31C3 (the check value of the Redis Cluster spec)', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });

  // Each slot below is what `redis-cli cluster keyslot <key>` answered on redis-server 7.0.15.
  it.each([
    ['123456789', 12739],
    ['foo', 12182],
    ['bar', 5061],
    ['{user1000}.following', 3443],
    ['{user1000}.followers', 3443],
    ['foo{}{bar}', 8363],
    ['foo{{bar}}zap', 4015],
    ['foo{bar}{zap}', 5061],
    ['cd:{cd:dlq}:all', 8762],
    ['cd:{cd:central-erp}:due', 9287],
    ['a{b', 13340],
    ['é{ü}x', 9552],
    ['{}', 15257],
  ])('%s is in slot %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
    expect(keySlot(Buffer.from(key, 'utf8'))).toBe(slot);
  });

  it('the tag is from the first { to the next }; an empty or unclosed tag means the whole key', () => {
    expect(hashTag('a{b}c{d}')).toBe('b');
    expect(hashTag('a{{b}}')).toBe('{b');
    expect(hashTag('a{}b{c}')).toBe('a{}b{c}');
    expect(hashTag('a{b')).toBe('a{b');
    expect(hashTag('a}b{')).toBe('a}b{');
  });

  it('slotConflict names two keys in different slots, and nothing for one tag or one key', () => {
    expect(slotConflict([])).toBeUndefined();
    expect(slotConflict(['x'])).toBeUndefined();
    expect(slotConflict(['p:{t}:a', 'p:{t}:b', 'q:{t}'])).toBeUndefined();
    // Different tags in the same slot are fine: Redis only cares about the slot.
    expect(slotConflict(['{user1000}.following', '{user1000}.followers'])).toBeUndefined();
    expect(slotConflict(['foo{bar}', 'bar'])).toBeUndefined();
    const cache = new Map<string, number>();
    expect(slotConflict(['p:{a}:x', 'p:{a}:y', 'p:{b}:z'], cache)).toEqual({
      first: 'p:{a}:x',
      other: 'p:{b}:z',
      slots: [keySlot('a'), keySlot('b')],
    });
    expect(cache.get('a')).toBe(keySlot('a'));
  });
});
