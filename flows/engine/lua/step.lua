--[[
  step: records one accepted event as a step of one flow instance, judges it, moves the
  instance's deadline and counts what changed, all at once (docs/flows.md "Flow instances,
  deadlines and alerts"). Keys all share the tag {<prefix>flows}; none is built here.

  KEYS[1]  the instance hash                         (i:<flow>:<key>)
  KEYS[2]  next deadline or expiry of each instance  (deadlines, member ARGV[1])
  KEYS[3]  open instances of the flow                (open:<flow>)
  KEYS[4]  overdue instances of the flow             (overdue:<flow>)
  KEYS[5]  overdue instances, by due time            (overdue)
  KEYS[6]  the site's hour of the event's receivedAt (site:<site>:h:<hour>)
  KEYS[7]  the site's hour of ARGV[9] (alerts)       (site:<site>:h:<hour>)
  KEYS[8]  sites with figures                        (sites)
  KEYS[9]  alerts claimed, not yet published         (alerts:pending)

  ARGV[1]  member `<flow>\0<key>`     ARGV[2]  the site the caller built KEYS[6..7] and withins for
  ARGV[3]  flow    ARGV[4]  instance key    ARGV[5]  step index (0-based)    ARGV[6]  eventId
  ARGV[7]  occurredAt   ARGV[8]  receivedAt   ARGV[9]  now (tracker clock)
  ARGV[10] expireAfterMs   ARGV[11] ms the instance is kept past its expiry
  ARGV[12] ms a site hour is kept   ARGV[13] the STEP_LATE alert id of this step
  ARGV[14] the step's latency field, without its bucket number
  ARGV[15] latency bucket upper bounds (ms), comma-joined (flows/contract.ts LATENCY_BUCKETS_MS)
  ARGV[16] n, the number of steps
  ARGV[17 .. 16+n]     each step's withinMs for the site
  ARGV[17+n .. 16+2n]  each step's event type
  ARGV[17+2n .. 24+2n] hour-hash fields: started, completed, completed on time, out of order,
                       duplicates, alerts, this step's arrived, this step's on time

  Instance hash fields: site, st (first event's occurredAt), exp (expiry), x (`c` complete, `i`
  expired incomplete), od (index of the overdue step), and per step i: e<i> eventId, t<i>
  occurredAt, r<i> receivedAt, o<i> outcome, l<i> `1` late, a<i> alert raised (`m` missing,
  `l` arrived late).

  Returns {'site', <the instance's site>} when it is not ARGV[2] (nothing changed: call again
  with that site's keys); {'replayed'}; {'duplicate', site}; or {'ok', outcome, latencyMs ('' when no
  earlier step is present), created 0|1, completed 0|1, completed on time 0|1, alert JSON or '', site}.
]]
local member, site, flow, ikey = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local idx = tonumber(ARGV[5])
local eventId = ARGV[6]
local occurred = tonumber(ARGV[7])
local received = tonumber(ARGV[8])
local now = tonumber(ARGV[9])
local n = tonumber(ARGV[16])
local within, types = {}, {}
for i = 0, n - 1 do
  within[i] = tonumber(ARGV[17 + i])
  types[i] = ARGV[17 + n + i]
end
local f = 17 + 2 * n
local F_STARTED, F_COMPLETED, F_ONTIME, F_OOO = ARGV[f], ARGV[f + 1], ARGV[f + 2], ARGV[f + 3]
local F_DUP, F_ALERTS, F_ARRIVED, F_STEP_ONTIME = ARGV[f + 4], ARGV[f + 5], ARGV[f + 6], ARGV[f + 7]
local hourTtl = tonumber(ARGV[12])

local h = {}
local raw = redis.call('HGETALL', KEYS[1])
for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
local created = raw[1] == nil
if not created and h.site ~= site then return {'site', h.site} end

-- Counts in the site's hour of receivedAt (KEYS[6]) or of the tracker's clock (KEYS[7]).
local function count(field)
  redis.call('HINCRBY', KEYS[6], field, 1)
  redis.call('PEXPIRE', KEYS[6], hourTtl)
end
local function countNow(field)
  redis.call('HINCRBY', KEYS[7], field, 1)
  redis.call('PEXPIRE', KEYS[7], hourTtl)
end

local sf = tostring(idx)
if h['e' .. sf] then
  if h['e' .. sf] == eventId then return {'replayed'} end
  count(F_DUP)
  return {'duplicate', site}
end

local set = {}
local function put(field, value)
  h[field] = value
  set[#set + 1] = field
  set[#set + 1] = value
end

if created then
  put('site', site)
  put('st', tostring(occurred))
  put('exp', tostring(occurred + tonumber(ARGV[10])))
  redis.call('INCR', KEYS[3])
  redis.call('SADD', KEYS[8], site)
  count(F_STARTED)
end

-- Judge: latency from the latest earlier step present; out of order while an earlier one is missing.
local prev = -1
for j = idx - 1, 0, -1 do
  if h['e' .. j] then prev = j break end
end
local ooo = false
for j = 0, idx - 1 do
  if not h['e' .. j] then ooo = true break end
end
local latency = 0
local late = false
local dueAt = 0
if prev >= 0 then
  local at = tonumber(h['t' .. prev])
  latency = occurred - at
  dueAt = at + within[idx]
  late = occurred > dueAt
end
local outcome = 'on_time'
if ooo then outcome = 'out_of_order' elseif late then outcome = 'late' end

put('e' .. sf, eventId)
put('t' .. sf, tostring(occurred))
put('r' .. sf, tostring(received))
put('o' .. sf, outcome)
if late then put('l' .. sf, '1') end

count(F_ARRIVED)
if not late then count(F_STEP_ONTIME) end
if ooo then count(F_OOO) end
if prev >= 0 then
  local bucket = 0
  for b in string.gmatch(ARGV[15], '[^,]+') do
    if latency <= tonumber(b) then break end
    bucket = bucket + 1
  end
  count(ARGV[14] .. bucket)
end

-- The overdue step arrived: the instance is no longer overdue.
if h.od == sf then
  redis.call('DECR', KEYS[4])
  redis.call('ZREM', KEYS[5], member)
  redis.call('HDEL', KEYS[1], 'od')
  h.od = nil
end

local function stepEventIds()
  local ids = {}
  for j = 0, n - 1 do ids[#ids + 1] = h['e' .. j] or '' end
  return ids
end

local alert = ''
if late and not h['a' .. sf] and not h.x then
  put('a' .. sf, 'l')
  alert = cjson.encode({
    alertId = ARGV[13], kind = 'STEP_LATE', flow = flow, instanceKey = ikey, siteId = site,
    step = types[idx], stepIndex = idx, dueAt = dueAt, raisedAt = now, observed = 'arrived_late',
    stepEventIds = stepEventIds(),
  })
  redis.call('HSET', KEYS[9], ARGV[13], alert)
  countNow(F_ALERTS)
end

local first = -1
for j = 0, n - 1 do
  if not h['e' .. j] then first = j break end
end
local completed, onTime = 0, 0
if not h.x then
  if first < 0 then
    completed = 1
    put('x', 'c')
    onTime = 1
    for j = 0, n - 1 do
      if h['l' .. j] then onTime = 0 end
    end
    redis.call('DECR', KEYS[3])
    count(F_COMPLETED)
    if onTime == 1 then count(F_ONTIME) end
    redis.call('ZREM', KEYS[2], member)
  else
    -- Next deadline: the first missing step's due time unless alerted, else the expiry.
    local exp = tonumber(h.exp)
    local at = exp
    if first >= 1 and not h['a' .. first] then
      local due = tonumber(h['t' .. (first - 1)]) + within[first]
      if due < exp then at = due end
    end
    redis.call('ZADD', KEYS[2], at, member)
  end
end

redis.call('HSET', KEYS[1], unpack(set))
-- Kept until its expiry plus the margin by the tracker's clock, at least an hour (old history replayed).
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(h.exp) + tonumber(ARGV[11]) - now, 3600000))
local lat = ''
if prev >= 0 then lat = tostring(latency) end
return {'ok', outcome, lat, created and 1 or 0, completed, onTime, alert, site}
