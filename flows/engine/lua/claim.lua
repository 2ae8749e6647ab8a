--[[
  claim: the deadline scanner's move of one instance whose deadline is due. Claims at most one
  alert (a member is claimed once: several trackers may scan the same Redis), stores it in the
  pending alerts, counts it and moves the deadline on (docs/flows.md "Flow instances, deadlines
  and alerts").

  KEYS[1]  the instance hash                  (i:<flow>:<key>)
  KEYS[2]  next deadline or expiry            (deadlines, member ARGV[1])
  KEYS[3]  open instances of the flow         (open:<flow>)
  KEYS[4]  overdue instances of the flow      (overdue:<flow>)
  KEYS[5]  overdue instances, by due time     (overdue)
  KEYS[6]  the site's hour of ARGV[5]         (site:<site>:h:<hour>)
  KEYS[7]  alerts claimed, not yet published  (alerts:pending)

  ARGV[1]  member `<flow>\0<key>`   ARGV[2]  the site the caller built KEYS[6] for
  ARGV[3]  flow   ARGV[4]  instance key   ARGV[5]  now (tracker clock)
  ARGV[6]  ms a site hour is kept   ARGV[7]  hour-hash field of alerts
  ARGV[8]  hour-hash field of incomplete instances   ARGV[9]  n, the number of steps
  ARGV[10 .. 9+n]      each step's withinMs for the site
  ARGV[10+n .. 9+2n]   each step's event type
  ARGV[10+2n .. 9+3n]  each step's STEP_LATE alert id
  ARGV[10+3n .. 9+4n]  the FLOW_INCOMPLETE alert id for each first missing step

  Instance hash fields: as flows/engine/lua/steps.lua; this script sets a<i> = `m`, od, x = `i`.

  Returns {'none'} when nothing is due (claimed by another scanner, or the deadline moved);
  {'site', <the instance's site>} when it is not ARGV[2] (nothing changed); {'gone'} when the
  instance no longer exists (its member is removed); or {'alert', kind, alert JSON}.
]]
local member, site, flow, ikey = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now = tonumber(ARGV[5])
local hourTtl = tonumber(ARGV[6])
local n = tonumber(ARGV[9])
local score = redis.call('ZSCORE', KEYS[2], member)
if not score or tonumber(score) > now then return {'none'} end

local raw = redis.call('HGETALL', KEYS[1])
if raw[1] == nil then
  redis.call('ZREM', KEYS[2], member)
  return {'gone'}
end
local h = {}
for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
if h.site ~= site then return {'site', h.site} end

local first = -1
for j = 0, n - 1 do
  if not h['e' .. j] then first = j break end
end
if h.x or first < 0 then
  redis.call('ZREM', KEYS[2], member)
  return {'none'}
end

local function stepEventIds()
  local ids = {}
  for j = 0, n - 1 do ids[#ids + 1] = h['e' .. j] or '' end
  return ids
end
local function raise(kind, id, stepIndex, dueAt)
  local alert = cjson.encode({
    alertId = id, kind = kind, flow = flow, instanceKey = ikey, siteId = site,
    step = ARGV[10 + n + stepIndex], stepIndex = stepIndex, dueAt = dueAt, raisedAt = now,
    observed = 'missing', stepEventIds = stepEventIds(),
  })
  redis.call('HSET', KEYS[7], id, alert)
  redis.call('HINCRBY', KEYS[6], ARGV[7], 1)
  redis.call('PEXPIRE', KEYS[6], hourTtl)
  return alert
end

local exp = tonumber(h.exp)
if now >= exp then
  local alert = raise('FLOW_INCOMPLETE', ARGV[10 + 3 * n + first], first, exp)
  redis.call('HINCRBY', KEYS[6], ARGV[8], 1)
  redis.call('HSET', KEYS[1], 'x', 'i', 'ai', '1')
  redis.call('DECR', KEYS[3])
  if h.od then
    redis.call('DECR', KEYS[4])
    redis.call('ZREM', KEYS[5], member)
    redis.call('HDEL', KEYS[1], 'od')
  end
  redis.call('ZREM', KEYS[2], member)
  return {'alert', 'FLOW_INCOMPLETE', alert}
end

local sf = tostring(first)
local due = -1
if first >= 1 then due = tonumber(h['t' .. (first - 1)]) + tonumber(ARGV[10 + first]) end
if due >= 0 and due <= now and not h['a' .. sf] then
  local alert = raise('STEP_LATE', ARGV[10 + 2 * n + first], first, due)
  redis.call('HSET', KEYS[1], 'a' .. sf, 'm', 'od', sf)
  redis.call('INCR', KEYS[4])
  redis.call('ZADD', KEYS[5], due, member)
  redis.call('ZADD', KEYS[2], exp, member)
  return {'alert', 'STEP_LATE', alert}
end

-- Not due (the deadlines changed with the configuration): the next one, as step.lua sets it.
local at = exp
if due >= 0 and not h['a' .. sf] and due < exp then at = due end
redis.call('ZADD', KEYS[2], at, member)
return {'none'}
