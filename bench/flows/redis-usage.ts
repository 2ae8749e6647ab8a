import type { Redis } from '../../core/redis';

/** MEMORY USAGE summed per kind of key under the prefix (kinds: the key's part after the tag). */
export async function usage(redis: Redis, prefix: string, base: string): Promise<Record<string, number>> {
  const by: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const res = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      const rest = k.startsWith(base) ? k.slice(base.length + 1) : k;
      const kind = rest.startsWith('i:')
        ? 'instance'
        : rest.startsWith('site:')
          ? 'siteHour'
          : rest.split(':')[0]!;
      by[kind] = (by[kind] ?? 0) + Number(res[i]?.[1] ?? 0);
    });
  } while (cursor !== '0');
  return by;
}
