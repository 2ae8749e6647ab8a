--[[
  job-advance: the items from the job's cursor on are handled (sent, skipped or refused): move the
  cursor over them and count them, for the lease holder only and only from the cursor it handled,
  so a process that lost its lease never moves a cursor twice. The last item ends a running job.

  KEYS[1]  the job hash               ({<P>dlq}:job:<jobId>)
  ARGV[1]  lease owner
  ARGV[2]  the cursor (`done`) the caller handled from
  ARGV[3]  how many of the items were sent
  ARGV[4]  how many were skipped
  ARGV[5]  how many were refused
  ARGV[6]  now ms

  Returns the new cursor, -1 when the caller does not hold the lease, -2 when the cursor moved
  meanwhile (nothing changed then).
]]
local f = redis.call('HMGET', KEYS[1], 'owner', 'done', 'total', 'state')
if f[1] ~= ARGV[1] then return -1 end
if tonumber(f[2] or '0') ~= tonumber(ARGV[2]) then return -2 end
local sent, skipped, refused = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local done = redis.call('HINCRBY', KEYS[1], 'done', sent + skipped + refused)
redis.call('HINCRBY', KEYS[1], 'sent', sent)
redis.call('HINCRBY', KEYS[1], 'skipped', skipped)
redis.call('HINCRBY', KEYS[1], 'refused', refused)
redis.call('HDEL', KEYS[1], 'inflight', 'inflightCount')
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[6])
if done >= (tonumber(f[3]) or 0) and f[4] == 'running' then
  redis.call('HSET', KEYS[1], 'state', 'done')
  redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil')
end
return done
