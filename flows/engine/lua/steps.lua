--[[
  steps: records a batch of accepted events, in order, each as a step of one flow instance: judges
  it, moves the instance's deadline and counts what changed, the whole batch at once (docs/flows.md
  "Flow instances, deadlines and alerts"). Keys all share the tag {<prefix>flows}; none is built here.
  What a flow needs (its name, steps, deadlines for a site's groups, hour-hash fields) is sent once
  per batch as a profile; each step names its profile and its keys by index. The site hour hashes
  are counted at the end of the batch: one HINCRBY per field and one PEXPIRE per hash.

  KEYS[1]  next deadline or expiry of each instance  (deadlines, member `<flow>\0<key>`)
  KEYS[2]  overdue instances, by due time            (overdue)
  KEYS[3]  sites with figures                        (sites)
  KEYS[4]  alerts claimed, not yet published         (alerts:pending)
  KEYS[5..] the batch's instance hashes (i:<flow>:<key>), counters (open:<flow>, overdue:<flow>)
           and site hours (site:<site>:h:<hour>), each named by its index below

  ARGV[1]  ms an instance is kept past its expiry   ARGV[2]  ms a site hour is kept
  ARGV[3]  latency bucket upper bounds (ms), comma-joined (flows/contract.ts LATENCY_BUCKETS_MS)
  ARGV[4]  P, the number of profiles   ARGV[5]  S, the number of steps
  then P profiles, each 11 + 5n values: flow, n (its number of steps), expireAfterMs, index of
           open:<flow>, index of overdue:<flow>, hour-hash fields started, completed, completed on
           time, out of order, duplicates, alerts; then per step i: its event type, its withinMs for
           the site, and its fields arrived, on time, latency (without the bucket number)
  then S steps, each 12 values: profile number (1-based), index of the instance hash, index of the
           site hour of its receivedAt, index of the site hour of now (alerts), the site the caller
           built those keys and the profile's deadlines for, instance key, step index (0-based),
           eventId, occurredAt, receivedAt, now (the tracker's clock), its STEP_LATE alert id ('' for
           step 0: never late)

  Instance hash fields: site, st (first event's occurredAt), exp (expiry), x (`c` complete, `i`
  expired incomplete), od (index of the overdue step), and per step i: e<i> eventId, t<i>
  occurredAt, r<i> receivedAt, o<i> outcome, l<i> `1` late, a<i> alert raised (`m` missing,
  `l` arrived late).

  Returns one reply per step, in order: {'site', <the instance's site>} when it is not the step's
  site (nothing changed for it: call again with that site's keys); {'blocked'} when an earlier
  step of the same instance in this batch was not applied (nothing changed: call again after it);
  {'replayed'}; {'duplicate', site}; or {'ok', outcome, latencyMs ('' when no earlier step is
  present), created 0|1, completed 0|1, completed on time 0|1, alert JSON or '', site}.
]]
local margin = tonumber(ARGV[1])
local hourTtl = tonumber(ARGV[2])
local bounds = {}
for b in string.gmatch(ARGV[3], '[^,]+') do bounds[#bounds + 1] = tonumber(b) end
local P = tonumber(ARGV[4])
local S = tonumber(ARGV[5])

local profiles = {}
local a = 6
for p = 1, P do
  local n = tonumber(ARGV[a + 1])
  local pr = {
    flow = ARGV[a], n = n, expireAfter = tonumber(ARGV[a + 2]),
    open = tonumber(ARGV[a + 3]), overdue = tonumber(ARGV[a + 4]),
    started = ARGV[a + 5], completed = ARGV[a + 6], ontime = ARGV[a + 7], ooo = ARGV[a + 8],
    dup = ARGV[a + 9], alerts = ARGV[a + 10],
    types = {}, within = {}, arrived = {}, stepOntime = {}, latency = {},
  }
  a = a + 11
  for i = 0, n - 1 do
    pr.types[i] = ARGV[a]
    pr.within[i] = tonumber(ARGV[a + 1])
    pr.arrived[i] = ARGV[a + 2]
    pr.stepOntime[i] = ARGV[a + 3]
    pr.latency[i] = ARGV[a + 4]
    a = a + 5
  end
  profiles[p] = pr
end

-- Counts of the batch, applied at the end: site hours by key index and field, counters by index.
local hourIncr = {}
local deltas = {}
local sites = {}
local function count(k, field)
  local fields = hourIncr[k]
  if not fields then fields = {} hourIncr[k] = fields end
  fields[field] = (fields[field] or 0) + 1
end
local function add(k, by)
  deltas[k] = (deltas[k] or 0) + by
end

local function step(pr, ki, kRecv, kNow, site, ikey, idx, eventId, occurred, received, now, alertId)
  local n = pr.n
  local member = pr.flow .. '\0' .. ikey
  local h = {}
  local raw = redis.call('HGETALL', KEYS[ki])
  for i = 1, #raw, 2 do h[raw[i]] = raw[i + 1] end
  local created = raw[1] == nil
  if not created and h.site ~= site then return {'site', h.site} end

  local sf = tostring(idx)
  if h['e' .. sf] then
    if h['e' .. sf] == eventId then return {'replayed'} end
    count(kRecv, pr.dup)
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
    put('exp', tostring(occurred + pr.expireAfter))
    add(pr.open, 1)
    sites[site] = true
    count(kRecv, pr.started)
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
    dueAt = at + pr.within[idx]
    late = occurred > dueAt
  end
  local outcome = 'on_time'
  if ooo then outcome = 'out_of_order' elseif late then outcome = 'late' end

  put('e' .. sf, eventId)
  put('t' .. sf, tostring(occurred))
  put('r' .. sf, tostring(received))
  put('o' .. sf, outcome)
  if late then put('l' .. sf, '1') end

  count(kRecv, pr.arrived[idx])
  if not late then count(kRecv, pr.stepOntime[idx]) end
  if ooo then count(kRecv, pr.ooo) end
  if prev >= 0 then
    local bucket = 0
    for _, b in ipairs(bounds) do
      if latency <= b then break end
      bucket = bucket + 1
    end
    count(kRecv, pr.latency[idx] .. bucket)
  end

  -- The overdue step arrived: the instance is no longer overdue.
  if h.od == sf then
    add(pr.overdue, -1)
    redis.call('ZREM', KEYS[2], member)
    redis.call('HDEL', KEYS[ki], 'od')
    h.od = nil
  end

  local alert = ''
  if late and not h['a' .. sf] and not h.x then
    put('a' .. sf, 'l')
    local ids = {}
    for j = 0, n - 1 do ids[#ids + 1] = h['e' .. j] or '' end
    alert = cjson.encode({
      alertId = alertId, kind = 'STEP_LATE', flow = pr.flow, instanceKey = ikey, siteId = site,
      step = pr.types[idx], stepIndex = idx, dueAt = dueAt, raisedAt = now, observed = 'arrived_late',
      stepEventIds = ids,
    })
    redis.call('HSET', KEYS[4], alertId, alert)
    count(kNow, pr.alerts)
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
      add(pr.open, -1)
      count(kRecv, pr.completed)
      if onTime == 1 then count(kRecv, pr.ontime) end
      redis.call('ZREM', KEYS[1], member)
    else
      -- Next deadline: the first missing step's due time unless alerted, else the expiry.
      local exp = tonumber(h.exp)
      local at = exp
      if first >= 1 and not h['a' .. first] then
        local due = tonumber(h['t' .. (first - 1)]) + pr.within[first]
        if due < exp then at = due end
      end
      redis.call('ZADD', KEYS[1], at, member)
    end
  end

  redis.call('HSET', KEYS[ki], unpack(set))
  -- Kept until its expiry plus the margin by the tracker's clock, at least an hour from now (old
  -- history replayed). Set when created; set again only while the hour is the longer: otherwise
  -- the time set then still holds (the expiry does not move).
  local ttl = tonumber(h.exp) + margin - now
  if created or ttl < 3600000 then redis.call('PEXPIRE', KEYS[ki], math.max(ttl, 3600000)) end
  local lat = ''
  if prev >= 0 then lat = tostring(latency) end
  return {'ok', outcome, lat, created and 1 or 0, completed, onTime, alert, site}
end

local out = {}
-- Instances (by hash index) with a step not applied in this batch: their later steps wait too.
local held = {}
for s = 1, S do
  local ki = tonumber(ARGV[a + 1])
  if held[ki] then
    out[s] = {'blocked'}
  else
    local r = step(
      profiles[tonumber(ARGV[a])], ki, tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), ARGV[a + 4],
      ARGV[a + 5], tonumber(ARGV[a + 6]), ARGV[a + 7], tonumber(ARGV[a + 8]), tonumber(ARGV[a + 9]),
      tonumber(ARGV[a + 10]), ARGV[a + 11])
    if r[1] == 'site' then held[ki] = true end
    out[s] = r
  end
  a = a + 12
end

for k, fields in pairs(hourIncr) do
  for field, by in pairs(fields) do redis.call('HINCRBY', KEYS[k], field, by) end
  redis.call('PEXPIRE', KEYS[k], hourTtl)
end
for k, by in pairs(deltas) do redis.call('INCRBY', KEYS[k], by) end
for site in pairs(sites) do redis.call('SADD', KEYS[3], site) end
return out
