--[[
  job-transition: an operator (or the runner) moves a job to another state, only from the states
  that allow it (pause: running; resume: paused; cancel: running or paused; fail: running).

  KEYS[1]  the job hash               ({<P>dlq}:job:<jobId>)
  ARGV[1]  the new state
  ARGV[2]  the states it may come from, comma-separated
  ARGV[3]  now ms
  ARGV[4]  who asks
  ARGV[5]  error text to record ('' for none)

  Returns {code, previous state, lease holder or '', lease until ms}: code 1 when moved, 0 when the
  job's state does not allow it (nothing changed), -1 when the job does not exist.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '', '', 0} end
local f = redis.call('HMGET', KEYS[1], 'state', 'owner', 'leaseUntil')
local state = f[1] or ''
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do
  if s == state then allowed = true end
end
if not allowed then return {0, state, f[2] or '', tonumber(f[3]) or 0} end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updatedAt', ARGV[3], 'updatedBy', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[5]) end
return {1, state, f[2] or '', tonumber(f[3]) or 0}
