import { judgeRedisDurability, type RedisPersistenceFacts } from '../../../hub';

const durable: RedisPersistenceFacts = {
  readable: true,
  appendonly: 'yes',
  appendfsync: 'everysec',
  save: '',
  maxmemoryPolicy: 'noeviction',
};

describe('judgeRedisDurability', () => {
  it('starts on a Redis with an append-only file and noeviction, whatever appendfsync and save say', () => {
    for (const appendfsync of ['always', 'everysec', 'no'])
      expect(judgeRedisDurability({ ...durable, appendfsync, save: '3600 1' }, 'required')).toEqual({
        action: 'start',
        basis: 'checked',
        problems: [],
      });
  });

  it('refuses a Redis with persistence off, naming appendonly and its fix', () => {
    const v = judgeRedisDurability({ ...durable, appendonly: 'no' }, 'required');
    expect(v).toMatchObject({ action: 'refuse', code: 'CD_E_REDIS_NOT_DURABLE' });
    expect(v.problems).toEqual([
      expect.objectContaining({
        setting: 'appendonly',
        found: 'no',
        problem: expect.stringContaining('no persistence at all') as string,
        fix: expect.stringContaining('CONFIG SET appendonly yes') as string,
      }),
    ]);
  });

  it('refuses RDB snapshots alone: they lose the writes since the last snapshot', () => {
    const v = judgeRedisDurability({ ...durable, appendonly: 'no', save: '3600 1 300 100' }, 'required');
    expect(v).toMatchObject({ action: 'refuse', code: 'CD_E_REDIS_NOT_DURABLE' });
    expect(v.problems[0]!.problem).toMatch(/RDB snapshots alone \(save "3600 1 300 100"\)/);
  });

  it.each(['allkeys-lru', 'volatile-lru', 'volatile-ttl', 'allkeys-random', 'volatile-lfu'])(
    'refuses the evicting policy %s',
    (policy) => {
      const v = judgeRedisDurability({ ...durable, maxmemoryPolicy: policy }, 'required');
      expect(v).toMatchObject({ action: 'refuse', code: 'CD_E_REDIS_NOT_DURABLE' });
      expect(v.problems.map((p) => [p.setting, p.found])).toEqual([['maxmemory-policy', policy]]);
    },
  );

  it('names every problem at once', () => {
    const v = judgeRedisDurability(
      { ...durable, appendonly: 'no', maxmemoryPolicy: 'allkeys-lru' },
      'required',
    );
    expect(v.problems.map((p) => p.setting)).toEqual(['appendonly', 'maxmemory-policy']);
  });

  it('refuses when CONFIG cannot be read unless the configuration declares the persistence', () => {
    const unreadable: RedisPersistenceFacts = { readable: false, reason: 'CONFIG GET was refused: NOPERM' };
    expect(judgeRedisDurability(unreadable, 'required')).toEqual({
      action: 'refuse',
      code: 'CD_E_REDIS_DURABILITY_UNKNOWN',
      reason: 'CONFIG GET was refused: NOPERM',
      problems: [],
    });
    expect(judgeRedisDurability(unreadable, 'declared')).toEqual({
      action: 'start',
      basis: 'declared',
      problems: [],
    });
  });

  it('refuses a declared Redis whose readable settings contradict the declaration', () => {
    expect(judgeRedisDurability({ ...durable, appendonly: 'no' }, 'declared')).toMatchObject({
      action: 'refuse',
      code: 'CD_E_REDIS_NOT_DURABLE',
    });
  });

  it("warns and starts under durability 'none', with what it found", () => {
    expect(judgeRedisDurability({ ...durable, appendonly: 'no' }, 'none')).toMatchObject({
      action: 'warn',
      problems: [expect.objectContaining({ setting: 'appendonly' })],
    });
    expect(judgeRedisDurability({ readable: false, reason: 'x' }, 'none')).toEqual({
      action: 'warn',
      problems: [],
      unreadable: 'x',
    });
    expect(judgeRedisDurability(durable, 'none')).toEqual({ action: 'warn', problems: [] });
  });
});
