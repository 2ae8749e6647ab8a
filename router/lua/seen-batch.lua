--[[
  seen-batch: duplicate marks of a batch of eventIds (router/dedupe.ts), one call per hash tag.

  KEYS[1..]  seen mark of each eventId (a string "<payload sha256> <topic/partition/offset>");
             every key of one call shares a hash tag ({<P>router:seen:<b>})
  ARGV[1]    ttl in seconds
  ARGV[2i]   payload hash of KEYS[i]    ARGV[2i+1] its origin (topic/partition/offset)

  Returns one integer per key, in KEYS order:
    0 first sighting (recorded)   1 same origin: the same attempt again
    2 same payload from another origin (duplicate)   3 other payload (conflict)
  A key listed twice is answered in order: the second sees the mark the first wrote.
]]
local ttl = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local hash = ARGV[2 * i]
  local origin = ARGV[2 * i + 1]
  local cur = redis.call('GET', KEYS[i])
  if not cur then
    redis.call('SET', KEYS[i], hash .. ' ' .. origin, 'EX', ttl)
    out[i] = 0
  else
    local sp = string.find(cur, ' ', 1, true)
    if sp and string.sub(cur, sp + 1) == origin then
      out[i] = 1
    elseif sp and string.sub(cur, 1, sp - 1) == hash then
      out[i] = 2
    else
      out[i] = 3
    end
  end
end
return out
