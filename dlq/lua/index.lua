--[[
  index: adds one dead letter to the index unless its id is there already (the indexer may read
  a record twice; a reindex adds what is missing). All keys share the index's hash tag.

  KEYS[1]   the letter's record hash           ({dlq}:rec:<id>)
  KEYS[2]   every letter by last failure       ({dlq}:all)
  KEYS[3]   letters of its subscriber          ({dlq}:by:subscriber:<s>)  (any index key when none)
  KEYS[4]   letters of its site                ({dlq}:by:site:<site>)
  KEYS[5]   letters of its code                ({dlq}:by:code:<code>)
  KEYS[6]   letters of its event type          ({dlq}:by:type:<type>)
  KEYS[7]   letters in its state               ({dlq}:by:state:<state>)
  KEYS[8]   letters of its group               ({dlq}:by:group:<group>)
  KEYS[9]   open letters by due time           ({dlq}:due)
  KEYS[10]  the set of group keys              ({dlq}:groups)
  KEYS[11]  its group's counters               ({dlq}:group:<group>)
  KEYS[12]  the letters of its eventId         ({dlq}:event:<eventId>)
  KEYS[13]  subscribers seen                   ({dlq}:values:subscriber)
  KEYS[14]  sites seen                         ({dlq}:values:site)
  KEYS[15]  codes seen                         ({dlq}:values:code)
  KEYS[16]  event types seen                   ({dlq}:values:type)
  ARGV[1]   id               ARGV[2]  last failure (ms)     ARGV[3]  state
  ARGV[4]   due time (ms)    ARGV[5]  '1' open, '0' not
  ARGV[6]   subscriber ('' none)   ARGV[7] site ('' none)   ARGV[8] code
  ARGV[9]   event type ('' none)   ARGV[10] group key       ARGV[11] eventId ('' none)
  ARGV[12]  first failure (ms)     ARGV[13] schema version ('' none)
  ARGV[14..] field, value pairs of the record hash

  Returns 1 when added, 0 when the id was indexed already (nothing changed).
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local id = ARGV[1]
local score = tonumber(ARGV[2])
local fields = {}
for i = 14, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], score, id)
if ARGV[6] ~= '' then
  redis.call('ZADD', KEYS[3], score, id)
  redis.call('SADD', KEYS[13], ARGV[6])
end
if ARGV[7] ~= '' then
  redis.call('ZADD', KEYS[4], score, id)
  redis.call('SADD', KEYS[14], ARGV[7])
end
redis.call('ZADD', KEYS[5], score, id)
redis.call('SADD', KEYS[15], ARGV[8])
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[6], score, id)
  redis.call('SADD', KEYS[16], ARGV[9])
end
redis.call('ZADD', KEYS[7], score, id)
redis.call('ZADD', KEYS[8], score, id)
if ARGV[5] == '1' then redis.call('ZADD', KEYS[9], tonumber(ARGV[4]), id) end
if ARGV[11] ~= '' then redis.call('SADD', KEYS[12], id) end
redis.call('SADD', KEYS[10], ARGV[10])
local first = tonumber(ARGV[12])
if redis.call('HSETNX', KEYS[11], 'group', ARGV[10]) == 1 then
  redis.call('HSET', KEYS[11], 'code', ARGV[8], 'site', ARGV[7], 'subscriber', ARGV[6],
    'schemaVersion', ARGV[13], 'eventType', ARGV[9], 'firstSeen', first, 'lastSeen', score)
else
  if first < (tonumber(redis.call('HGET', KEYS[11], 'firstSeen')) or first) then
    redis.call('HSET', KEYS[11], 'firstSeen', first)
  end
  if score > (tonumber(redis.call('HGET', KEYS[11], 'lastSeen')) or score) then
    redis.call('HSET', KEYS[11], 'lastSeen', score)
  end
end
redis.call('HINCRBY', KEYS[11], 'count', 1)
if ARGV[5] == '1' then redis.call('HINCRBY', KEYS[11], 'open', 1) end
return 1
