--[[
  start-lock: take or give back the lock that makes the start of replay jobs one at a time (the
  selection's states are checked and marked replaying under it, so no letter joins two jobs).

  KEYS[1]  the lock                   ({<P>dlq}:tmp:replay-start)
  ARGV[1]  'take' | 'give'
  ARGV[2]  the caller's token
  ARGV[3]  lock ms ('take')

  Returns 1 when taken (or given back), 0 when another holder has it (or had it: nothing given back).
]]
if ARGV[1] == 'take' then
  if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', tonumber(ARGV[3])) then return 1 end
  if redis.call('GET', KEYS[1]) == ARGV[2] then
    redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
    return 1
  end
  return 0
end
if redis.call('GET', KEYS[1]) == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
