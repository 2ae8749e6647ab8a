--[[
  idempotency-begin: claim an Idempotency-Key for one request, or return what it holds.

  KEYS[1]  {cd:ingest:<siteId>}:idem:<idempotencyKey>
  ARGV[1]  JSON of the pending record: {"state":"pending","hash":"<sha256 of body>"}
  ARGV[2]  pending TTL in ms (how long a crashed request may hold the key)

  Returns  {1}            the key was free and is now pending for this request
           {0, <json>}    the key exists; <json> is the stored record (pending or done)
]]
local current = redis.call('GET', KEYS[1])
if current then
  return {0, current}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return {1}
