--[[
  release-held: an operator lets business key K go on after its head was dead-lettered with
  ordering 'hold'. The next waiting event of K becomes due now.

  KEYS[1]  held keys set                ({cd:<sub>}:held)
  KEYS[2]  K's queue list               ({cd:<sub>}:q:<K>)
  KEYS[3]  due zset                     ({cd:<sub>}:due)
  ARGV[1]  K
  ARGV[2]  now ms

  Returns the number of K's events still waiting (0 when K was not held or its queue is empty).
]]
redis.call('SREM', KEYS[1], ARGV[1])
local nxt = redis.call('LINDEX', KEYS[2], 0)
if nxt then redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), nxt) end
return redis.call('LLEN', KEYS[2])
