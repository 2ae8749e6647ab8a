--[[
  finish-many: settle the idempotency records of several events after their attempts and free
  their concurrency slots, in one call (coalesced per event-loop tick).

  KEYS[1]      concurrency slots zset       ({cd:<sub>}:slots)
  KEYS[2..]    idempotency record of each event ({cd:<sub>}:idem:<eventId>)
  ARGV[1]  lease owner (instance id)
  ARGV[2]  record TTL ms (for 'done')
  ARGV[3]  outcomes: one character per event, in KEYS order: 'd' done, 'r' release
  ARGV[4..] slot member of each event, in KEYS order; absent when the caller took no slot
            (admit-many with no shared concurrency cap adds none)

  'd' (done): the effect happened; the record becomes 'done' for ARGV[2] ms, whoever held it.
  'r' (release): the attempt failed or did not happen; our lease is dropped (another owner's is kept).
  Returns the number of released leases that were still ours.
]]
local owner = ARGV[1]
local ttl = tonumber(ARGV[2])
local outcomes = ARGV[3]
local slots = #ARGV > 3
local released = 0
for i = 2, #KEYS do
  if slots then redis.call('ZREM', KEYS[1], ARGV[4 + i - 2]) end
  if string.byte(outcomes, i - 1) == 100 then -- 'd'
    redis.call('SET', KEYS[i], 'done', 'PX', ttl)
  elseif redis.call('GET', KEYS[i]) == owner then
    redis.call('DEL', KEYS[i])
    released = released + 1
  end
end
return released
