--[[
  admit: may this instance deliver event E to the subscriber now?
  Checks, in order, the idempotency record, the shared token bucket and the shared concurrency
  cap, and only when all three agree takes a lease, a token and a slot (all or nothing).

  KEYS[1]  idempotency record of E      ({cd:<sub>}:idem:<eventId>)
  KEYS[2]  token bucket hash            ({cd:<sub>}:bucket)
  KEYS[3]  concurrency slots zset       ({cd:<sub>}:slots)
  ARGV[1]  lease owner (instance id)
  ARGV[2]  lease ms (how long the record stays ours if we die mid-delivery)
  ARGV[3]  now ms (the caller's clock)
  ARGV[4]  rate: tokens per second, 0 = no rate limit
  ARGV[5]  burst: bucket size
  ARGV[6]  concurrency cap shared by all instances, 0 = no cap
  ARGV[7]  slot member (unique per attempt)
  ARGV[8]  slot lease ms (a dead instance's slot frees itself after this)

  Returns {code, n}:
    {0, 0}      admitted: lease, token and slot taken
    {1, 0}      already delivered (record says done): skip, do not deliver again
    {2, pttl}   another owner holds the lease for pttl more ms: wait, then ask again
    {3, waitMs} no token: ask again in waitMs
    {4, 0}      concurrency cap reached: ask again shortly
]]
local rec = redis.call('GET', KEYS[1])
if rec == 'done' then return {1, 0} end
if rec then return {2, redis.call('PTTL', KEYS[1])} end

local now = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local tokens = 0
if rate > 0 then
  local b = redis.call('HMGET', KEYS[2], 'tokens', 'ts')
  tokens = tonumber(b[1]) or burst
  local ts = tonumber(b[2]) or now
  if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
  if tokens < 1 then
    return {3, math.ceil((1 - tokens) * 1000 / rate)}
  end
end

local cap = tonumber(ARGV[6])
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= cap then return {4, 0} end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[8]), ARGV[7])
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[8]) * 2)
end

if rate > 0 then
  redis.call('HSET', KEYS[2], 'tokens', tokens - 1, 'ts', now)
  redis.call('PEXPIRE', KEYS[2], math.ceil(burst * 1000 / rate) + 60000)
end

redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return {0, 0}
