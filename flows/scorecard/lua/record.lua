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

  Each hour hash gets one HINCRBY per field the batch counts there and one PEXPIRE.

  Returns the number of facts counted (the others were counted before).
]]
local ttl = tonumber(ARGV[1])
local lastField = ARGV[2]
local facts = tonumber(ARGV[3])
local applied = {}
-- What the batch counts, applied at the end: per hour hash, the increments by field and the newest
-- receivedAt; the sites seen.
local incr = {}
local newest = {}
local sites = {}
local advanced = {}
local counted = 0
local i = 4
for _ = 1, facts do
  local position = ARGV[i]
  local offset = tonumber(ARGV[i + 1])
  local k = tonumber(ARGV[i + 2])
  local receivedAt = tonumber(ARGV[i + 4])
  local n = tonumber(ARGV[i + 5])
  if applied[position] == nil then
    applied[position] = tonumber(redis.call('HGET', KEYS[1], position) or '-1')
  end
  if offset > applied[position] then
    applied[position] = offset
    local fields = incr[k]
    if not fields then
      fields = {}
      incr[k] = fields
    end
    for f = 1, n do
      local field = ARGV[i + 5 + f]
      fields[field] = (fields[field] or 0) + 1
    end
    if newest[k] == nil or receivedAt > newest[k][1] then newest[k] = {receivedAt, ARGV[i + 4]} end
    sites[ARGV[i + 3]] = true
    advanced[position] = ARGV[i + 1]
    counted = counted + 1
  end
  i = i + 6 + n
end
for k, fields in pairs(incr) do
  for field, by in pairs(fields) do redis.call('HINCRBY', KEYS[k], field, by) end
  local last = tonumber(redis.call('HGET', KEYS[k], lastField) or '0')
  if newest[k][1] > last then redis.call('HSET', KEYS[k], lastField, newest[k][2]) end
  redis.call('PEXPIRE', KEYS[k], ttl)
end
for site in pairs(sites) do redis.call('SADD', KEYS[2], site) end
for position, offset in pairs(advanced) do
  redis.call('HSET', KEYS[1], position, offset)
end
return counted
