--[[
  fence-enter: just before a transaction's EndTxn(commit), checks that every partition in it is
  still owned by its batch's token and sets their commit marks (all or nothing).

  KEYS[1..]  three keys per partition i of the transaction:
             KEYS[3i-2] owner, KEYS[3i-1] mark, KEYS[3i] committed (unused here)
  ARGV[1]    mark ttl ms
  ARGV[2]    owner ttl ms
  ARGV[1+2i] token of partition i    ARGV[2+2i] mark value of partition i

  Returns 0 when every owner equals its token (marks set, owners refreshed); otherwise i, the
  first partition owned by someone else, or -i when its owner record is missing. Nothing is set
  unless all match.
]]
local n = #KEYS / 3
for i = 1, n do
  local cur = redis.call('GET', KEYS[3 * i - 2])
  if not cur then return -i end
  if cur ~= ARGV[1 + 2 * i] then return i end
end
for i = 1, n do
  redis.call('SET', KEYS[3 * i - 1], ARGV[2 + 2 * i], 'PX', ARGV[1])
  redis.call('PEXPIRE', KEYS[3 * i - 2], ARGV[2])
end
return 0
