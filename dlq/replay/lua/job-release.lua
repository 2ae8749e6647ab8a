--[[
  job-release: drop the caller's lease on a job (a stopping runner), so another process may take
  the job at once instead of after the lease expires.

  KEYS[1]  the job hash               ({<P>dlq}:job:<jobId>)
  ARGV[1]  lease owner

  Returns 1 when the lease was the caller's and is dropped, else 0.
]]
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil')
return 1
