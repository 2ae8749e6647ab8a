--[[
  schedule: put event E into retry state (first transient failure) or move its next attempt
  (a later one). Writes E's entry, then makes it due at ARGV[2]. With per-key ordering, E is
  queued behind key K; only the head of K's queue is ever due, the rest wait behind it.
  A new entry is bounded (delivery.capacity) when ARGV[5] is '1': not taken when the subscriber
  already holds ARGV[6] entries or K's queue ARGV[7] events. An existing entry is never refused.

  KEYS[1]  due zset                     ({cd:<sub>}:due)
  KEYS[2]  E's retry entry hash         ({cd:<sub>}:entry:<eventId>)
  KEYS[3]  K's queue list               ({cd:<sub>}:q:<K>)  (any key of the tag when unordered)
  KEYS[4]  held keys set                ({cd:<sub>}:held)
  KEYS[5]  entry counter                ({cd:<sub>}:entries)
  ARGV[1]  E's event id
  ARGV[2]  due time ms
  ARGV[3]  '1' ordered by K, '0' not
  ARGV[4]  K ('' when unordered)
  ARGV[5]  '1' bounded, '0' not (an entry completed at once, as a held head dead-lettered)
  ARGV[6]  most entries the subscriber may hold (maxHeldEvents)
  ARGV[7]  most events one key's queue may hold (maxParkedPerKey)
  ARGV[8..] field, value pairs of E's entry

  Returns 1 when E is due at ARGV[2], 2 when it waits behind an earlier event of K, -1 when the
  subscriber holds its most entries, -2 when K's queue is full (nothing written then).
]]
local ordered = ARGV[3] == '1'
if redis.call('EXISTS', KEYS[2]) == 0 then
  if ARGV[5] == '1' then
    if (tonumber(redis.call('GET', KEYS[5])) or 0) >= tonumber(ARGV[6]) then return -1 end
    if ordered and redis.call('LLEN', KEYS[3]) >= tonumber(ARGV[7]) then return -2 end
  end
  redis.call('INCR', KEYS[5])
end
local fields = {}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[2], unpack(fields)) end
if not ordered then
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
