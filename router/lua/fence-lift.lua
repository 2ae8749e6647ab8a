--[[
  fence-lift: lifts a commit mark whose holder has ended, unless it changed meanwhile.

  KEYS[1]  commit mark of the partition
  ARGV[1]  the mark value the caller saw

  Returns 1 when the mark was deleted, 0 when it had changed or was gone.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
