--[[
  fence-leave: after the transaction ended, records each committed offset and lifts each mark
  that is still this transaction's.

  KEYS[1..]  as fence-enter: KEYS[3i-2] owner, KEYS[3i-1] mark, KEYS[3i] committed of partition i
  ARGV[1]    ttl ms of the committed records
  ARGV[2i]   mark value of partition i
  ARGV[2i+1] committed offset of partition i, or '' (aborted: nothing recorded)

  Returns the number of partitions.
]]
local n = #KEYS / 3
for i = 1, n do
  local next = ARGV[2 * i + 1]
  if next ~= '' then redis.call('SET', KEYS[3 * i], next, 'PX', ARGV[1]) end
  if redis.call('GET', KEYS[3 * i - 1]) == ARGV[2 * i] then redis.call('DEL', KEYS[3 * i - 1]) end
end
return n
