--[[
  schedule: put event E into retry state (first transient failure) or move its next attempt
  (a later one). Writes E's entry, then makes it due at ARGV[2]. With per-key ordering, E is
  queued behind key K; only the head of K's queue is ever due, the rest wait behind it.

  KEYS[1]  due zset                     ({cd:<sub>}:due)
  KEYS[2]  E's retry entry hash         ({cd:<sub>}:entry:<eventId>)
  KEYS[3]  K's queue list               ({cd:<sub>}:q:<K>)  (any key of the tag when unordered)
  KEYS[4]  held keys set                ({cd:<sub>}:held)
  ARGV[1]  E's event id
  ARGV[2]  due time ms
  ARGV[3]  '1' ordered by K, '0' not
  ARGV[4]  K ('' when unordered)
  ARGV[5..] field, value pairs of E's entry

  Returns 1 when E is due at ARGV[2], 2 when it waits behind an earlier event of K.
]]
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[2], unpack(fields)) end
if ARGV[3] ~= '1' then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
  return 1
end
local head = redis.call('LINDEX', KEYS[3], 0)
if not head then
  redis.call('RPUSH', KEYS[3], ARGV[1])
  head = ARGV[1]
elseif head ~= ARGV[1] and redis.call('LPOS', KEYS[3], ARGV[1]) == false then
  redis.call('RPUSH', KEYS[3], ARGV[1])
end
if head == ARGV[1] and redis.call('SISMEMBER', KEYS[4], ARGV[4]) == 0 then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
  return 1
end
return 2
