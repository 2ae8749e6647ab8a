--[[
  record: counts one batch of ingress facts in the site hour hashes (flows/scorecard/recorder.ts),
  each fact once: a fact at or below the offset its partition already counted is skipped, and the
  partition's counted offset advances in the same call (the feed may hand a fact again after a
  restart). All keys share the flows hash tag.

  KEYS[1]     counted offset by partition       ({flows}:applied, field <topic>/<partition>)
  KEYS[2]     site ids with figures             ({flows}:sites)
  KEYS[3..]   the batch's site hour hashes      ({flows}:site:<site>:h:<hourStart>)
  ARGV[1]     TTL of an hour hash (ms)
  ARGV[2]     the field that keeps the newest receivedAt (SCORE_FIELDS.lastEventAt)
  ARGV[3]     number of facts
  ARGV[4..]   per fact, in record order: position field, offset, index of its hour hash in KEYS,
              site id, receivedAt (ms), n, then n field names to increment by 1

  Returns the number of facts counted (the others were counted before).
]]
local ttl = tonumber(ARGV[1])
local lastField = ARGV[2]
local facts = tonumber(ARGV[3])
local applied = {}
local touched = {}
local advanced = {}
local counted = 0
local i = 4
for _ = 1, facts do
  local position = ARGV[i]
  local offset = tonumber(ARGV[i + 1])
  local k = tonumber(ARGV[i + 2])
  local site = ARGV[i + 3]
  local receivedAt = tonumber(ARGV[i + 4])
  local n = tonumber(ARGV[i + 5])
  if applied[position] == nil then
    applied[position] = tonumber(redis.call('HGET', KEYS[1], position) or '-1')
  end
  if offset > applied[position] then
    applied[position] = offset
    for f = 1, n do
      redis.call('HINCRBY', KEYS[k], ARGV[i + 5 + f], 1)
    end
    local last = tonumber(redis.call('HGET', KEYS[k], lastField) or '0')
    if receivedAt > last then redis.call('HSET', KEYS[k], lastField, ARGV[i + 4]) end
    redis.call('SADD', KEYS[2], site)
    touched[k] = true
    advanced[position] = ARGV[i + 1]
    counted = counted + 1
  end
  i = i + 6 + n
end
for position, offset in pairs(advanced) do
  redis.call('HSET', KEYS[1], position, offset)
end
for k in pairs(touched) do
  redis.call('PEXPIRE', KEYS[k], ttl)
end
return counted
