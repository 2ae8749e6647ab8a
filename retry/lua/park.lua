--[[
  park: per-key ordering. If business key K already has events waiting (its head is in retry, or
  its queue is held after the head was dead-lettered), E joins the end of K's queue, with its
  bytes, so it is delivered only after the events before it.

  KEYS[1]  K's queue list               ({cd:<sub>}:q:<K>)
  KEYS[2]  held keys set                ({cd:<sub>}:held)
  KEYS[3]  E's retry entry hash         ({cd:<sub>}:entry:<eventId>)
  ARGV[1]  E's event id
  ARGV[2]  K
  ARGV[3..] field, value pairs of E's entry

  Returns 1 when E was parked (the caller may commit its offset), 0 when K is free (deliver now).
]]
if redis.call('LLEN', KEYS[1]) == 0 and redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then
  return 0
end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
