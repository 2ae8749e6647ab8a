--[[
  job-lease: take or renew the lease on one replay job (only one process runs a job at a time),
  and optionally mark the batch of items about to be sent. A job that is not running gives no
  lease (and the caller's lease, if it held one, is dropped).

  KEYS[1]  the job hash               ({<P>dlq}:job:<jobId>)
  ARGV[1]  lease owner (runner instance id)
  ARGV[2]  now ms
  ARGV[3]  lease ms
  ARGV[4]  cursor of the first item about to be sent ('' for none): recorded as `inflight`, only
           when it is the job's cursor (`done`)
  ARGV[5]  how many items from it are about to be sent (`inflightCount`)

  Returns {granted, state, done, total, inflight, inflightCount}: granted 1 when the lease is the
  caller's until now + ARGV[3], 0 when the job is not running or another owner's lease is still
  valid, -1 when the job does not exist (then the rest is empty). inflight is '' when no batch is
  marked.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '', 0, 0, '', 0} end
local f = redis.call('HMGET', KEYS[1], 'state', 'done', 'total', 'inflight', 'inflightCount', 'owner', 'leaseUntil')
local state, done, total = f[1] or '', tonumber(f[2]) or 0, tonumber(f[3]) or 0
local inflight, count = f[4] or '', tonumber(f[5]) or 0
local owner, untilMs = f[6], tonumber(f[7]) or 0
local now = tonumber(ARGV[2])
if state ~= 'running' then
  if owner == ARGV[1] then redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil') end
  return {0, state, done, total, inflight, count}
end
if owner and owner ~= ARGV[1] and untilMs > now then return {0, state, done, total, inflight, count} end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'leaseUntil', now + tonumber(ARGV[3]))
if ARGV[4] ~= '' and tonumber(ARGV[4]) == done then
  redis.call('HSET', KEYS[1], 'inflight', ARGV[4], 'inflightCount', ARGV[5])
  inflight, count = ARGV[4], tonumber(ARGV[5])
end
return {1, state, done, total, inflight, count}
