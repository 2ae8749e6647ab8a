--[[
  finish-many: settle the idempotency records of several events after their attempts and free
  their concurrency slots, in one call (coalesced per event-loop tick).

  KEYS[1]      concurrency slots zset       ({cd:<sub>}:slots)
  KEYS[2..]    idempotency record of each event ({cd:<sub>}:idem:<eventId>)
  ARGV[1]  lease owner (instance id)
  ARGV[2]  record TTL ms (for 'done')
  ARGV[3..] per event, in KEYS order, two values: outcome ('done' | 'release'), slot member

  'done': the effect happened; the record becomes 'done' for ARGV[2] ms.
  'release': the attempt failed or did not happen; our lease is dropped.
  Returns the number of records that were still ours.
]]
local owner = ARGV[1]
local ttl = tonumber(ARGV[2])
local ours = 0
for i = 2, #KEYS do
  local outcome = ARGV[3 + (i - 2) * 2]
  local slot = ARGV[4 + (i - 2) * 2]
  redis.call('ZREM', KEYS[1], slot)
  local rec = redis.call('GET', KEYS[i])
  if rec == owner then ours = ours + 1 end
  if outcome == 'done' then
    redis.call('SET', KEYS[i], 'done', 'PX', ttl)
  elseif rec == owner then
    redis.call('DEL', KEYS[i])
  end
end
return ours
