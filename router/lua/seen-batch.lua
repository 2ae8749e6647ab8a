--[[
  seen-batch: duplicate marks of a batch of eventIds (router/dedupe.ts), one call per hash tag.

  KEYS[1..]  seen mark of each eventId; every key of one call shares a hash tag
             ({<P>router:seen:<b>})
  ARGV[1]    ttl in seconds
  ARGV[2]    now: epoch ms the batch was analysed (recorded in new marks)
  ARGV[3i]   payload hash of KEYS[i]    ARGV[3i+1] its origin (topic/partition/offset)
  ARGV[3i+2] its subscribers and the route that selected each: "<sub>=<route>,<sub>=<route>"
             ('' when no route selects it)

  A mark is a string of fields separated by single spaces:
    "<payload sha256> <topic/partition/offset> <epoch ms> <sub>=<route>,…"
  (the last field is left out when no route selected the event). Marks written before the time
  and routes were added hold only "<payload sha256> <topic/partition/offset>"; both are read:
  the hash is what stands before the first space, the origin what stands between the first and
  the second space (or the end). Neither a hash (base64), an origin, a time nor a route list holds
  a space. router/dedupe.ts parseSeenMark() reads the same layout.

  Returns one integer per key, in KEYS order:
    0 first sighting (recorded)   1 same origin: the same attempt again
    2 same payload from another origin (duplicate)   3 other payload (conflict)
  A key listed twice is answered in order: the second sees the mark the first wrote. Only a
  first sighting writes: a mark keeps the origin, time and routes of the event's first attempt.
]]
local ttl = tonumber(ARGV[1])
local now = ARGV[2]
local out = {}
for i = 1, #KEYS do
  local hash = ARGV[3 * i]
  local origin = ARGV[3 * i + 1]
  local cur = redis.call('GET', KEYS[i])
  if not cur then
    local routes = ARGV[3 * i + 2]
    local mark = hash .. ' ' .. origin .. ' ' .. now
    if routes ~= '' then mark = mark .. ' ' .. routes end
    redis.call('SET', KEYS[i], mark, 'EX', ttl)
    out[i] = 0
  else
    local sp = string.find(cur, ' ', 1, true)
    local seenOrigin
    if sp then
      local sp2 = string.find(cur, ' ', sp + 1, true)
      if sp2 then seenOrigin = string.sub(cur, sp + 1, sp2 - 1) else seenOrigin = string.sub(cur, sp + 1) end
    end
    if seenOrigin == origin then
      out[i] = 1
    elseif sp and string.sub(cur, 1, sp - 1) == hash then
      out[i] = 2
    else
      out[i] = 3
    end
  end
end
return out
