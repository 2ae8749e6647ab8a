--[[
  park: per-key ordering. If business key K already has events waiting (its head is in retry, or
  its queue is held after the head was dead-lettered), E joins the end of K's queue, with its
  bytes, so it is delivered only after the events before it. Bounded (delivery.capacity): E is
  not parked when the subscriber already holds ARGV[3] entries or K's queue ARGV[4] events.

  KEYS[1]  K's queue list               ({cd:<sub>}:q:<K>)
  KEYS[2]  held keys set                ({cd:<sub>}:held)
  KEYS[3]  E's retry entry hash         ({cd:<sub>}:entry:<eventId>)
  KEYS[4]  entry counter                ({cd:<sub>}:entries)
  KEYS[5]  E's idempotency record       ({cd:<sub>}:idem:<eventId>)
  ARGV[1]  E's event id
  ARGV[2]  K
  ARGV[3]  most entries the subscriber may hold (maxHeldEvents)
  ARGV[4]  most events one key's queue may hold (maxParkedPerKey)
  ARGV[5..] field, value pairs of E's entry

  E may be read again from Kafka while it is already held (a seek back after a blocked attempt, a
  restart or rebalance reading from the committed offsets): when its effect already happened, or
  it is already in K's queue (parked, or the head in retry), nothing is written, so its entry keeps
  its attempts and K's queue never holds it twice.

  Returns 1 when E was parked or already is (the caller may commit its offset), 2 when E's effect
  already happened (its record is 'done'), 0 when K is free (deliver now), -1 when the subscriber
  holds its most entries, -2 when K's queue is full (nothing written).
]]
if redis.call('GET', KEYS[5]) == 'done' then return 2 end
local waiting = redis.call('LLEN', KEYS[1])
if waiting == 0 and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then
  return 0
end
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 1 end
if redis.call('EXISTS', KEYS[3]) == 0 then
  if (tonumber(redis.call('GET', KEYS[4])) or 0) >= tonumber(ARGV[3]) then return -1 end
  if waiting >= tonumber(ARGV[4]) then return -2 end
  redis.call('INCR', KEYS[4])
end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
