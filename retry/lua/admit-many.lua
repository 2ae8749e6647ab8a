--[[
  admit-many: admit several events for delivery in one call (the connector coalesces the admissions
  of one event-loop tick). For each event, in order: a 'done' record skips it, a lease held by
  another instance makes it wait; otherwise it takes its idempotency lease, a rate-limit token and
  a concurrency slot, all three or none.

  KEYS[1]      token bucket hash            ({cd:<sub>}:bucket)
  KEYS[2]      concurrency slots zset       ({cd:<sub>}:slots)
  KEYS[3..]    idempotency record of each event ({cd:<sub>}:idem:<eventId>)
  ARGV[1]  lease owner (instance id)
  ARGV[2]  lease ms
  ARGV[3]  now ms
  ARGV[4]  rate: tokens per second, 0 = no rate limit
  ARGV[5]  burst: bucket size
  ARGV[6]  concurrency cap shared by all instances, 0 = no cap
  ARGV[7]  slot lease ms
  ARGV[8..] slot member of each event (same order as KEYS[3..]); needed only when ARGV[6] > 0

  Returns a flat list {code1, n1, code2, n2, ...} one code and number per event:
    0 admitted, 1 already done, 2 leased by another (n = pttl), 3 no token (n = wait ms),
    4 concurrency cap reached.
]]
local owner = ARGV[1]
local leaseMs = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local rate = tonumber(ARGV[4])
local burst = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])
local slotLease = tonumber(ARGV[7])

local tokens = 0
if rate > 0 then
  local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
  tokens = tonumber(b[1]) or burst
  local ts = tonumber(b[2]) or now
  if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
end
local used = 0
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  used = redis.call('ZCARD', KEYS[2])
end

local out = {}
local tookToken = false
for i = 3, #KEYS do
  local code, n = 0, 0
  local rec = redis.call('GET', KEYS[i])
  if rec == 'done' then
    code = 1
  elseif rec then
    code, n = 2, redis.call('PTTL', KEYS[i])
  elseif rate > 0 and tokens < 1 then
    code, n = 3, math.ceil((1 - tokens) * 1000 / rate)
  elseif cap > 0 and used >= cap then
    code = 4
  else
    if rate > 0 then
      tokens = tokens - 1
      tookToken = true
    end
    if cap > 0 then
      redis.call('ZADD', KEYS[2], now + slotLease, ARGV[6 + i - 1])
      used = used + 1
    end
    redis.call('SET', KEYS[i], owner, 'PX', leaseMs)
  end
  out[#out + 1] = code
  out[#out + 1] = n
end

if tookToken then
  redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
end
if cap > 0 then redis.call('PEXPIRE', KEYS[2], slotLease * 2) end
return out
