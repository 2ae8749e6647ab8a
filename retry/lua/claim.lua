--[[
  claim: take up to ARGV[2] retry entries that are due, for this instance. Each claimed entry is
  pushed ARGV[3] ms into the future (a lease): another instance will not take it meanwhile, and
  if we die before completing it, it becomes due again and any instance retries it.

  KEYS[1]  due zset                     ({cd:<sub>}:due)
  ARGV[1]  now ms
  ARGV[2]  max entries
  ARGV[3]  lease ms

  Returns the claimed event ids, earliest due first.
]]
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
end
return ids
