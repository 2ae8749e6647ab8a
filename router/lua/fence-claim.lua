--[[
  fence-claim: the first batch of a partition in a generation takes it (router/fence.ts).

  KEYS[1]  owner of the partition       ({<P>router:fence:<group>}:owner:<topic/partition>)
  KEYS[2]  commit mark of the partition ({<P>router:fence:<group>}:mark:<topic/partition>)
  KEYS[3]  committed offset record      ({<P>router:fence:<group>}:committed:<topic/partition>)
  ARGV[1]  claim token (`<runId>:<generation>`)
  ARGV[2]  ttl ms of the owner record

  Sets owner = token. Returns { mark or false, committed offset or false, ms the mark has left }.
]]
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return { redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]), redis.call('PTTL', KEYS[2]) }
