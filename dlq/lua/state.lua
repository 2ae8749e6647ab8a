--[[
  state: applies an operator's change to one indexed dead letter, if its state is still the one
  the caller read (compare and set: the caller reads, checks the transition, writes the change to
  the dlq.state topic, then calls this; a concurrent change makes it read again).

  KEYS[1]  the letter's record hash          ({dlq}:rec:<id>)
  KEYS[2]  letters in the state it leaves    ({dlq}:by:state:<old>)
  KEYS[3]  letters in the state it takes     ({dlq}:by:state:<new>)
  KEYS[4]  open letters by due time          ({dlq}:due)
  KEYS[5]  its group's counters              ({dlq}:group:<group>)
  ARGV[1]  id
  ARGV[2]  the state the caller read         ARGV[3]  the new state
  ARGV[4]  '1' the new state is open, '0' not    ARGV[5]  '1' the old state was open
  ARGV[6..] field, value pairs to set (state, owner, dueAt, notes, replays, updatedAt, updatedBy)

  Returns 1 when applied, 0 when the state changed meanwhile, -1 when the id is not indexed.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[2] then return 0 end
local id = ARGV[1]
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[2] ~= ARGV[3] then
  local score = tonumber(redis.call('HGET', KEYS[1], 'lf')) or 0
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[3], score, id)
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[4], tonumber(redis.call('HGET', KEYS[1], 'dueAt')) or 0, id)
else
  redis.call('ZREM', KEYS[4], id)
end
if ARGV[4] ~= ARGV[5] then
  redis.call('HINCRBY', KEYS[5], 'open', ARGV[4] == '1' and 1 or -1)
end
return 1
