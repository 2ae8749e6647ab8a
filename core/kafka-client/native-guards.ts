/**
 * Guards on the native client's low-level consumer (@confluentinc/kafka-javascript 1.10.1) where
 * its binding reads a librdkafka handle that a disconnect may already have destroyed.
 *
 * `assignmentLost()`: the binding's AssignmentLost() calls librdkafka without checking that the
 * consumer is still connected (its neighbours, rebalanceProtocol() among them, do check). The
 * KafkaJS-style consumer calls it first thing in every rebalance callback. Its disconnect()
 * unsubscribes, which queues a revoke for that callback on the main thread, and then closes the
 * consumer on a libuv thread, which destroys the handle. When the close finishes before the
 * queued callback runs (a busy event loop, a loaded machine), the callback read a freed handle
 * and the process died with a SIGSEGV (seen in CI: the router's rebalance tests, where routers
 * stop while others join). Guarded: a consumer that is no longer connected has no assignment to
 * lose, so the answer is false without calling into librdkafka. Connectedness is read through
 * rebalanceProtocol(), which the binding answers "NONE" once the consumer is closing or closed.
 * What is left is the window between those two calls on the main thread, against a close on
 * another thread: microseconds, where the unguarded call was a crash whenever the callback came
 * after the close.
 *
 * Contract: `guardNativeModule` patches the module's KafkaConsumer prototype once (idempotent) and
 * changes nothing else; the KafkaJS-style classes use that prototype, so they are guarded too.
 * Nothing changes while the consumer is connected.
 */

/** The low-level consumer's methods the guard reads. */
interface LowLevelConsumer {
  _client?: { rebalanceProtocol(): string };
  assignmentLost(): boolean;
}

const GUARDED = Symbol.for('crossdock.native.assignmentLostGuarded');

export function guardNativeModule(module: unknown): void {
  const consumer = (module as { KafkaConsumer?: { prototype?: LowLevelConsumer } }).KafkaConsumer;
  const proto = consumer?.prototype as (LowLevelConsumer & { [GUARDED]?: true }) | undefined;
  if (!proto || typeof proto.assignmentLost !== 'function' || proto[GUARDED]) return;
  const unguarded = proto.assignmentLost;
  proto.assignmentLost = function (this: LowLevelConsumer): boolean {
    const client = this._client;
    if (!client || client.rebalanceProtocol() === 'NONE') return false;
    return unguarded.call(this);
  };
  proto[GUARDED] = true;
}
