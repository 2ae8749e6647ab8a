--[[
  record: counts one batch of ingress facts in the site hour hashes (flows/scorecard/recorder.ts),
  each fact once. The caller adds the batch up by partition: per partition its first and last
  offset and, per site hour hash, the increments of its facts. A partition whose counted offset
  (`applied`) is below its first offset is counted whole and its counted offset moves to its last;
  one counted up to its last offset already is skipped; one counted part way comes back with its
  counted offset, unchanged (the caller sends again the facts above it: after a restart the feed may
  hand a batch that overlaps one counted before). All keys share the flows hash tag.

  KEYS[1]     counted offset by partition       ({flows}:applied, field <topic>/<partition>)
  KEYS[2]     site ids with figures             ({flows}:sites)
  KEYS[3..]   the batch's site hour hashes      ({flows}:site:<site>:h:<hourStart>)
  ARGV[1]     TTL of an hour hash (ms)
  ARGV[2]     the field that keeps the newest receivedAt (SCORE_FIELDS.lastEventAt)
  ARGV[3]     number of partitions
  ARGV[4..]   per partition: position field, first offset, last offset, facts, h; then h blocks,
              each: index of its hour hash in KEYS, site id, newest receivedAt (ms), m, then m
              pairs of field name and increment

  Each hour hash gets one HINCRBY per field the batch counts there and one PEXPIRE.

  Returns {facts counted, then per partition counted part way: position field, counted offset}.
]]
local ttl = tonumber(ARGV[1])
local lastField = ARGV[2]
local partitions = tonumber(ARGV[3])
local incr = {}
local newest = {}
local sites = {}
local counted = 0
local redo = {}
local i = 4
for _ = 1, partitions do
  local position = ARGV[i]
  local first = tonumber(ARGV[i + 1])
  local lastText = ARGV[i + 2]
  local last = tonumber(lastText)
  local facts = tonumber(ARGV[i + 3])
  local h = tonumber(ARGV[i + 4])
  local applied = tonumber(redis.call('HGET', KEYS[1], position) or '-1')
  local take = applied < first
  if not take and applied < last then
    redo[#redo + 1] = position
    redo[#redo + 1] = tostring(applied)
  end
  i = i + 5
  for _ = 1, h do
    local k = tonumber(ARGV[i])
    local m = tonumber(ARGV[i + 3])
    if take then
      local fields = incr[k]
      if not fields then
        fields = {}
        incr[k] = fields
      end
      for f = 0, m - 1 do
        local field = ARGV[i + 4 + 2 * f]
        fields[field] = (fields[field] or 0) + tonumber(ARGV[i + 5 + 2 * f])
      end
      local receivedAt = tonumber(ARGV[i + 2])
      if newest[k] == nil or receivedAt > newest[k][1] then newest[k] = {receivedAt, ARGV[i + 2]} end
      sites[ARGV[i + 1]] = true
    end
    i = i + 4 + 2 * m
  end
  if take then
    redis.call('HSET', KEYS[1], position, lastText)
    counted = counted + facts
  end
end
for k, fields in pairs(incr) do
  for field, by in pairs(fields) do redis.call('HINCRBY', KEYS[k], field, by) end
  local last = tonumber(redis.call('HGET', KEYS[k], lastField) or '0')
  if newest[k][1] > last then redis.call('HSET', KEYS[k], lastField, newest[k][2]) end
  redis.call('PEXPIRE', KEYS[k], ttl)
end
for site in pairs(sites) do redis.call('SADD', KEYS[2], site) end
local out = {counted}
for x = 1, #redo do out[#out + 1] = redo[x] end
return out
