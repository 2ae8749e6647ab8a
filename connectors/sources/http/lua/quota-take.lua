--[[
  quota-take: take N events from a site's fixed-window quota, all or nothing.

  KEYS[1]  {cd:ingest:<siteId>}:quota
  ARGV[1]  N, events in this request
  ARGV[2]  limit, events per window
  ARGV[3]  window length in ms

  Returns  {1, used, pttl}   taken; used = events counted in this window after the take
           {0, used, pttl}   refused (used + N > limit); nothing counted; pttl = ms until the window resets
]]
local n = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if used + n > limit then
  if ttl < 0 then ttl = tonumber(ARGV[3]) end
  return {0, used, ttl}
end
used = redis.call('INCRBY', KEYS[1], n)
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
  ttl = tonumber(ARGV[3])
end
return {1, used, ttl}
