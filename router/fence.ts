import path from 'node:path';
import { assertKeysShareSlot, loadLuaScript, luaRunner } from '../core/lua';
import { fenceKeys } from '../core/names/redis-keys';
import { isCluster, type Redis } from '../core/redis';

/**
 * Partition fencing in Redis: what lets the router's eachBatch return before its transaction
 * commits (commit-behind) without a partition's batch committing twice across a rebalance.
 *
 * Why: kafkajs has no KIP-447. Its sendOffsets carries no group generation and its offset fetch
 * cannot ask for stable offsets, so when a partition moves while the old owner still has a
 * transaction in flight, the new owner can read the committed offset before that transaction
 * commits and route the same records again. With eachBatch waiting for the commit kafkajs closes
 * most of that window (it waits for eachBatch before rejoining); commit-behind reopens it.
 *
 * Contract (per input topic-partition, one Redis hash tag per consumer group):
 * - `owner`: the claim token of whoever may commit the partition. A claim token is this process's
 *   run id and the group generation it was taken in (`<runId>:<generation>`).
 * - `mark`: set just before a transaction's EndTxn(commit) by `enter`, which first checks that
 *   every partition in the transaction is still owned by its batch's token (all or nothing, one
 *   script call), and lifted after the commit by `leave`, which also records the committed
 *   offset (`committed` key). A mark names its token and the holder's transactional id.
 * - `claim` (the first batch of a partition in a generation) takes ownership, so a transaction of
 *   the old owner that has not entered yet is refused and aborts; then it waits until no mark is
 *   left, so one that entered has committed or aborted; then it returns the offset the last commit
 *   recorded, which the caller compares with what kafkajs fetched (a stale read is skipped).
 * - A mark that outlives its holder ends one of three ways: the holder was this process's
 *   predecessor under the same transactional id (initialising that id at start fenced it: the mark
 *   is lifted at once); another process holds it for longer than `fenceAfterMs` (its transactional
 *   id is fenced with InitProducerId — `fenceProducer` — which ends its transaction, then the mark
 *   is lifted); or it expires after `markTtlMs`, chosen so that the transaction that set it has
 *   ended by then whatever the holder does (transaction timeout + the broker's sweep interval).
 */

/** The fence's scripts (router/lua/fence-*.lua; each file states its KEYS/ARGV contract). */
export const FENCE_SCRIPTS = {
  claim: loadLuaScript(path.join(__dirname, 'lua', 'fence-claim.lua'), 3),
  enter: loadLuaScript(path.join(__dirname, 'lua', 'fence-enter.lua'), null),
  leave: loadLuaScript(path.join(__dirname, 'lua', 'fence-leave.lua'), null),
  lift: loadLuaScript(path.join(__dirname, 'lua', 'fence-lift.lua'), 1),
} as const;

export interface FenceOptions {
  redis: Redis;
  /** Prefix of every Redis key (core/names/redis-keys.ts: the hub's, or a test's own). */
  redisPrefix: string;
  groupId: string;
  /** This process's run id: unique per start. */
  runId: string;
  /** Transactional ids this process initialised at start (their predecessors are fenced). */
  ownTransactionalIds: ReadonlySet<string>;
  /** Lifetime of a mark (ms): past it the holder's transaction has ended. */
  markTtlMs: number;
  /** How long to wait for another process's mark before fencing its transactional id (ms). */
  fenceAfterMs: number;
  /** Lifetime of owner and committed records (ms), refreshed by each commit. @defaultValue 7 days */
  recordTtlMs?: number;
  /** Ends every transaction of this transactional id (InitProducerId with it). */
  fenceProducer(transactionalId: string): Promise<void>;
  /** Whether this process has a transaction of the partition in flight. */
  busy(key: string): boolean;
  /** Poll interval while waiting for a mark (ms). @defaultValue 20 */
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** One partition of a transaction. */
export interface FencedPart {
  /** `<topic>/<partition>`. */
  key: string;
  /** The claim token its batch was planned under. */
  token: string;
}

export interface ClaimResult {
  /** The offset the last commit of the partition recorded in Redis, if any. */
  recorded?: string;
  /** How the wait ended, for logs: none, lifted by its holder, predecessor, fenced, expired. */
  waited: 'none' | 'holder' | 'predecessor' | 'fenced' | 'expired';
  waitedMs: number;
}

export interface ClaimWait {
  /** Polled between rounds: false abandons the claim. */
  keepWaiting(): boolean;
  /** Called about once a second while waiting (keeps the consumer's group membership alive). */
  heartbeat?(): Promise<void>;
}

export interface Entered {
  /** Call after EndTxn(commit) with the offsets committed, or with none after an abort. */
  leave(committed?: ReadonlyMap<string, string>): Promise<void>;
}

export type EnterResult =
  | { ok: true; entered: Entered }
  /** `missing`: the owner record is gone (Redis lost it): claim again; `other`: someone else owns it. */
  | { ok: false; key: string; reason: 'other' | 'missing' };

export interface PartitionFence {
  token(generation: number): string;
  /**
   * Takes the partition for `token` and waits until no other commit of it is in flight.
   * Resolves undefined when `wait.keepWaiting` turned false first (the batch is stale).
   */
  claim(key: string, token: string, wait: ClaimWait): Promise<ClaimResult | undefined>;
  /** Just before EndTxn(commit): checks ownership of every part and sets their marks. */
  enter(parts: readonly FencedPart[], transactionalId: string): Promise<EnterResult>;
}

interface MarkValue {
  runId: string;
  transactionalId: string;
}

function parseMark(value: string): MarkValue {
  // `<runId>:<generation> <transactionalId>`; the transactional id may hold any character.
  const sp = value.indexOf(' ');
  const token = sp < 0 ? value : value.slice(0, sp);
  const colon = token.lastIndexOf(':');
  return {
    runId: colon < 0 ? token : token.slice(0, colon),
    transactionalId: sp < 0 ? '' : value.slice(sp + 1),
  };
}

export function createPartitionFence(options: FenceOptions): PartitionFence {
  const { redis, runId } = options;
  const keyOf = fenceKeys(options.redisPrefix, options.groupId);
  // On a cluster one group's fence scripts run on one slot: refuse at start when its keys do not.
  if (isCluster(redis))
    assertKeysShareSlot(`the partition fence of group ${options.groupId}`, [
      keyOf.owner('t/0'),
      keyOf.mark('t/0'),
      keyOf.committed('t/0'),
      keyOf.owner('u/1'),
    ]);
  const recordTtl = options.recordTtlMs ?? 7 * 24 * 3600 * 1000;
  const pollMs = options.pollMs ?? 20;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const lua = luaRunner(redis, Object.values(FENCE_SCRIPTS));

  const keysOf = (parts: readonly FencedPart[]) =>
    parts.flatMap((p) => [keyOf.owner(p.key), keyOf.mark(p.key), keyOf.committed(p.key)]);

  async function claim(key: string, token: string, wait: ClaimWait): Promise<ClaimResult | undefined> {
    const started = now();
    let beat = started;
    let waited: ClaimResult['waited'] = 'none';
    let firstSeen: { value: string; at: number } | undefined;
    // Earliest time the last mark seen can have expired: the round's send time plus the ttl Redis
    // reported (the script ran after the send, so the mark cannot expire sooner than that).
    let expiresNoSoonerThan = Infinity;
    for (;;) {
      const sent = now();
      const [mark, recorded, ttl] = (await lua.run(
        FENCE_SCRIPTS.claim,
        [keyOf.owner(key), keyOf.mark(key), keyOf.committed(key)],
        [token, recordTtl],
      )) as [string | null, string | null, number];
      if (!mark) {
        // Gone without our lifting it: its holder's leave, or its expiry if that time had come.
        if (now() >= expiresNoSoonerThan) waited = 'expired';
        return { recorded: recorded ?? undefined, waited, waitedMs: now() - started };
      }
      expiresNoSoonerThan = ttl >= 0 ? sent + ttl : Infinity;
      const holder = parseMark(mark);
      if (!firstSeen || firstSeen.value !== mark) firstSeen = { value: mark, at: now() };
      let lift = false;
      if (holder.runId === runId) {
        // Ours: a transaction of an older generation finishing, unless none is in flight (the
        // mark outlived a failed leave).
        lift = !options.busy(key);
        if (!lift) waited = 'holder';
      } else if (options.ownTransactionalIds.has(holder.transactionalId)) {
        // Our predecessor under the same transactional id: initialising it at start fenced it.
        lift = true;
        waited = 'predecessor';
      } else if (now() - firstSeen.at >= options.fenceAfterMs) {
        try {
          await options.fenceProducer(holder.transactionalId);
          lift = true;
          waited = 'fenced';
        } catch {
          // Kafka did not let us fence it: the mark's own expiry ends the wait.
          waited = 'holder';
        }
      } else {
        waited = 'holder';
      }
      if (lift) {
        await lua.run(FENCE_SCRIPTS.lift, [keyOf.mark(key)], [mark]);
        expiresNoSoonerThan = Infinity;
        continue;
      }
      if (!wait.keepWaiting()) return undefined;
      await sleep(pollMs);
      if (wait.heartbeat && now() - beat >= 1000) {
        beat = now();
        await wait.heartbeat().catch(() => undefined);
      }
    }
  }

  async function enter(parts: readonly FencedPart[], transactionalId: string): Promise<EnterResult> {
    const keys = keysOf(parts);
    const values = parts.map((p) => `${p.token} ${transactionalId}`);
    const args: Array<string | number> = [options.markTtlMs, recordTtl];
    parts.forEach((p, i) => args.push(p.token, values[i]!));
    const res = Number(await lua.run(FENCE_SCRIPTS.enter, keys, args));
    if (res !== 0) {
      const part = parts[Math.abs(res) - 1]!;
      return { ok: false, key: part.key, reason: res < 0 ? 'missing' : 'other' };
    }
    return {
      ok: true,
      entered: {
        async leave(committed) {
          const leaveArgs: Array<string | number> = [recordTtl];
          parts.forEach((p, i) => leaveArgs.push(values[i]!, committed?.get(p.key) ?? ''));
          await lua.run(FENCE_SCRIPTS.leave, keys, leaveArgs);
        },
      },
    };
  }

  return {
    token: (generation) => `${runId}:${generation}`,
    claim,
    enter,
  };
}
