--[[
  replay-head: per-key ordering with onDeadLetter 'hold'. Event E, the dead letter business key K
  is held behind, is replayed: E becomes the head of K's queue, due now, and K is no longer held,
  so E is delivered first and K's parked events follow it in order (read from the deliver topic
  instead, E would be parked at the end of K's queue, behind later events, and stay held).

  KEYS[1]  due zset                     ({cd:<sub>}:due)
  KEYS[2]  E's retry entry hash         ({cd:<sub>}:entry:<eventId>)
  KEYS[3]  K's queue list               ({cd:<sub>}:q:<K>)
  KEYS[4]  held keys set                ({cd:<sub>}:held)
  KEYS[5]  entry counter                ({cd:<sub>}:entries)
  KEYS[6]  E's idempotency record       ({cd:<sub>}:idem:<eventId>)
  ARGV[1]  E's event id
  ARGV[2]  K
  ARGV[3]  now ms
  ARGV[4..] field, value pairs of E's entry

  When E's effect already happened (its record is 'done'), nothing is queued; if K is still held
  it is released as release-held does (its next event due now). When K is not held, nothing is
  written: the caller sends E through the deliver topic (where park.lua finds E if it is already
  in K's queue).

  Returns 1 when E is queued as K's head and K released, 2 when E's effect already happened,
  0 when K is not held.
]]
local held = redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1
if redis.call('GET', KEYS[6]) == 'done' then
  if held then
    redis.call('SREM', KEYS[4], ARGV[2])
    local nxt = redis.call('LINDEX', KEYS[3], 0)
    if nxt then redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), nxt) end
  end
  return 2
end
if not held then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('INCR', KEYS[5]) end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('LREM', KEYS[3], 0, ARGV[1])
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
return 1
