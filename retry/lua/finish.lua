--[[
  finish: end an admitted attempt of event E.

  KEYS[1]  idempotency record of E      ({cd:<sub>}:idem:<eventId>)
  KEYS[2]  concurrency slots zset       ({cd:<sub>}:slots)
  ARGV[1]  lease owner (instance id)
  ARGV[2]  'done'    the effect happened (delivered, or written to the dead letters): the record
                     becomes 'done' for ARGV[3] ms so redeliveries and replays are skipped
           'release' the attempt did not happen or failed: drop our lease so E can be tried again
  ARGV[3]  record TTL ms (for 'done')
  ARGV[4]  slot member taken by admit

  Returns 1 when the record was changed, 0 when it was not ours any more (lease expired and
  taken by another owner; 'done' is still written because the effect did happen).
]]
redis.call('ZREM', KEYS[2], ARGV[4])
local rec = redis.call('GET', KEYS[1])
if ARGV[2] == 'done' then
  redis.call('SET', KEYS[1], 'done', 'PX', tonumber(ARGV[3]))
  if rec == ARGV[1] then return 1 end
  return 0
end
if rec == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
