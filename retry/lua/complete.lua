--[[
  complete: event E leaves retry state, delivered or dead-lettered. With per-key ordering, E was
  the head of K's queue: the next event of K becomes due now, unless E was dead-lettered and the
  subscriber's choice is 'hold' (K's queue then waits for an operator: release-held).

  KEYS[1]  due zset                     ({cd:<sub>}:due)
  KEYS[2]  E's retry entry hash         ({cd:<sub>}:entry:<eventId>)
  KEYS[3]  K's queue list               ({cd:<sub>}:q:<K>)  (any key of the tag when unordered)
  KEYS[4]  held keys set                ({cd:<sub>}:held)
  KEYS[5]  entry counter                ({cd:<sub>}:entries)
  ARGV[1]  E's event id
  ARGV[2]  '1' ordered by K, '0' not
  ARGV[3]  K ('' when unordered)
  ARGV[4]  'delivered' | 'continue' (dead-lettered, K goes on) | 'hold' (dead-lettered, K held)
  ARGV[5]  now ms

  Returns the id of K's next event made due now, or false.
]]
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('DEL', KEYS[2]) == 1 and redis.call('DECR', KEYS[5]) < 0 then
  redis.call('SET', KEYS[5], 0)
end
if ARGV[2] ~= '1' then return false end
-- Every occurrence: a queue written before park.lua refused a second copy may hold E twice, and
-- a copy left behind would become a head without an entry, which nothing completes.
redis.call('LREM', KEYS[3], 0, ARGV[1])
if ARGV[4] == 'hold' then
  redis.call('SADD', KEYS[4], ARGV[3])
  return false
end
if redis.call('SISMEMBER', KEYS[4], ARGV[3]) == 1 then return false end
local nxt = redis.call('LINDEX', KEYS[3], 0)
if nxt then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[5]), nxt)
  return nxt
end
return false
