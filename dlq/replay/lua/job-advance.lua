--[[
  job-advance: the item at the job's cursor is handled (sent, skipped or refused): move the
  cursor one on and count it, for the lease holder only and only from the cursor it handled, so a
  process that lost its lease never moves a cursor twice. The last item ends a running job.

  KEYS[1]  the job hash               ({<P>dlq}:job:<jobId>)
  ARGV[1]  lease owner
  ARGV[2]  the cursor (`done`) the caller handled
  ARGV[3]  the counter to add one to: 'sent' | 'skipped' | 'refused'
  ARGV[4]  now ms

  Returns the new cursor, -1 when the caller does not hold the lease, -2 when the cursor moved
  meanwhile (nothing changed then).
]]
local f = redis.call('HMGET', KEYS[1], 'owner', 'done', 'total', 'state')
if f[1] ~= ARGV[1] then return -1 end
if tonumber(f[2] or '0') ~= tonumber(ARGV[2]) then return -2 end
local done = redis.call('HINCRBY', KEYS[1], 'done', 1)
redis.call('HINCRBY', KEYS[1], ARGV[3], 1)
redis.call('HDEL', KEYS[1], 'inflight')
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[4])
if done >= (tonumber(f[3]) or 0) and f[4] == 'running' then
  redis.call('HSET', KEYS[1], 'state', 'done')
  redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil')
end
return done
