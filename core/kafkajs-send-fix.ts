import Module from 'node:module';
import { CrossdockError } from './errors';

/**
 * kafkajs 2.2.4's producer sends one `send()`/`sendBatch()` as one Produce request per leader
 * broker, all at once, and awaits them with `Promise.all`. When one broker's request fails at once
 * (CONCURRENT_TRANSACTIONS right after the previous transaction ended, a broker that died) while
 * another broker's request is still in flight, `Promise.all` rejects, and the retry, 10-300 ms
 * later, sends every broker that has no answer yet — the one still in flight too — again, with
 * new sequence numbers (kafkajs advanced them for the first copy). The broker cannot tell the copy
 * from new records, and both are committed: in the three-broker test, 114-771 of 3,000 eventIds
 * were written twice to the router's deliver topic in committed transactions (docs/scaling.md).
 * It needs at least two leader brokers in one send, so one broker never shows it.
 *
 * The fix keeps kafkajs's own sendMessages and gives it two things it is built from: an
 * eosManager whose broker lock (taken around each broker's request, released after its answer is
 * recorded or its sequence numbers are rolled back) also counts the requests in flight, and a
 * retrier that, before each retry, waits until every request of the producer in flight then has
 * ended. A retry then finds each broker answered (skipped) or failed (its sequence numbers rolled
 * back, sent again as the same records), never still in flight.
 *
 * `installSendFix()` puts the wrapped module into Node's module cache under kafkajs's path before
 * kafkajs's producer loads it (core/kafkajs-patch.ts calls it; under jest, jest.config.js maps the
 * module to test/helpers/kafkajs-send-messages.js); `assertSendFix()` (createKafka) refuses to
 * run with kafkajs's own (CD_E_KAFKAJS_UNPATCHED).
 */

const SEND_MODULE = 'kafkajs/src/producer/sendMessages.js';
const FIXED = Symbol.for('crossdock.kafkajs.sendMessages.fixed');

interface Broker {
  nodeId: number;
}
interface EosManager {
  acquireBrokerLock(broker: Broker): Promise<void>;
  releaseBrokerLock(broker: Broker): void;
}
type Attempt = (bail: (err: Error) => void, retryCount: number, retryTime: number) => Promise<unknown>;
type Retrier = (fn: Attempt) => Promise<unknown>;
interface SendDeps {
  eosManager: EosManager;
  retrier: Retrier;
  [key: string]: unknown;
}
type SendMessagesFactory = ((deps: SendDeps) => unknown) & { [FIXED]?: true };

/**
 * Requests in flight, by broker: each one's end, in the order the broker lock hands them out (an
 * idempotent or transactional producer's lock is one holder at a time per broker, in the order
 * asked, so the request that releases it is the oldest one listed).
 */
function inFlightRequests() {
  const ends = new Map<number, Array<() => void>>();
  const running = new Set<Promise<void>>();
  return {
    /** Lists a request; its end, called at most once, takes it out of the list and of settled(). */
    start(broker: Broker): () => void {
      let end!: () => void;
      const p = new Promise<void>((resolve) => (end = resolve));
      running.add(p);
      const list = ends.get(broker.nodeId) ?? [];
      const done = () => {
        if (!running.delete(p)) return;
        const at = list.indexOf(done);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0 && ends.get(broker.nodeId) === list) ends.delete(broker.nodeId);
        end();
      };
      list.push(done);
      ends.set(broker.nodeId, list);
      return done;
    },
    /** The broker's lock was released: its holder, the oldest request listed, has ended. */
    end(broker: Broker): void {
      ends.get(broker.nodeId)?.[0]?.();
    },
    /** Resolves once every request in flight now has ended. */
    settled(): Promise<void> {
      return Promise.all([...running]).then(() => undefined);
    },
  };
}

/** kafkajs's sendMessages factory with the fix (see above); `original` is kafkajs's own. */
export function fixSendMessages(original: SendMessagesFactory): SendMessagesFactory {
  if (original[FIXED]) return original;
  const fixed: SendMessagesFactory = (deps: SendDeps) => {
    const requests = inFlightRequests();
    const eos = deps.eosManager;
    const eosManager: EosManager = Object.create(eos as object) as EosManager;
    eosManager.acquireBrokerLock = async (broker: Broker) => {
      const done = requests.start(broker);
      try {
        await eos.acquireBrokerLock.call(eos, broker);
      } catch (err) {
        // Never got the lock: only this request ends (the holder's entry stays until it releases).
        done();
        throw err;
      }
    };
    eosManager.releaseBrokerLock = (broker: Broker) => {
      try {
        eos.releaseBrokerLock.call(eos, broker);
      } finally {
        requests.end(broker);
      }
    };
    const retrier: Retrier = (attempt) =>
      deps.retrier((bail, retryCount, retryTime) =>
        retryCount === 0
          ? attempt(bail, retryCount, retryTime)
          : requests.settled().then(() => attempt(bail, retryCount, retryTime)),
      );
    return original({ ...deps, eosManager, retrier });
  };
  fixed[FIXED] = true;
  return fixed;
}

const PRODUCER_MODULE = 'kafkajs/src/producer/messageProducer.js';
let tooLate = false;

export function installSendFix(): void {
  const path = require.resolve(SEND_MODULE);
  // kafkajs's producer took its sendMessages when it loaded: too late to change it then. (Under
  // jest, whose module registry is its own, jest.config.js maps every load to the fixed module.)
  if (process.env.JEST_WORKER_ID === undefined && require.cache[require.resolve(PRODUCER_MODULE)])
    tooLate = true;
  const cached = require.cache[path];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const original = (cached ? cached.exports : require(SEND_MODULE)) as SendMessagesFactory;
  if (original[FIXED]) return;
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = fixSendMessages(original);
  require.cache[path] = m;
}

let proven = false;

/** Throws CD_E_KAFKAJS_UNPATCHED unless kafkajs's producer sends with the fix in this process. */
export function assertSendFix(): void {
  if (proven) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const used = require(SEND_MODULE) as SendMessagesFactory;
  if (tooLate || !used[FIXED])
    throw new CrossdockError(
      'CD_E_KAFKAJS_UNPATCHED',
      'kafkajs was loaded before its producer fix (core/kafkajs-send-fix.ts): a send retried while another broker answered could write records twice',
      { details: { module: SEND_MODULE } },
    );
  proven = true;
}
