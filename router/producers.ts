import type { Kafka, Producer } from 'kafkajs';
import {
  initKafkajsTransactions,
  isKafkajsFenced,
  kafkajsTransactionalProducer,
} from '../core/kafka-client/kafkajs-transactional';
import type { TransactionalClient } from '../core/kafka-client/transactional';

/**
 * The router's transactional producers: their timeout, and how another holder of an id is fenced.
 *
 * Initialising a transactional id (InitProducerId) bumps its epoch: the broker aborts any open
 * transaction of that id (or finishes one whose commit is already under way) before it answers,
 * and refuses every later request of an older epoch. That is how a new holder of an id ends its
 * predecessor's work for good, and how router/fence.ts ends a stuck commit of another instance.
 * The producers themselves come from the router's client (core/kafka-client/transactional.ts).
 */

/** Transaction timeout of the router's producers (ms). */
export const TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * Ends every transaction of a transactional id held elsewhere, by initialising the id with a
 * short-lived producer. Resolves once the broker has aborted (or finished committing) it.
 */
export async function fenceWith(client: TransactionalClient, transactionalId: string): Promise<void> {
  const p = client.producer(transactionalId, { fencing: true });
  try {
    await p.init();
  } finally {
    await p.disconnect().catch(() => undefined);
  }
}

// The same on a bare kafkajs client (tests and tools that hold a kafkajs Kafka).

/** A kafkajs transactional producer configured as the router's are. */
export function createRouterProducer(kafka: Kafka, transactionalId: string): Producer {
  return kafkajsTransactionalProducer(kafka, transactionalId, TRANSACTION_TIMEOUT_MS);
}

/** Connects a kafkajs transactional producer and initialises its id now. */
export const initProducer = initKafkajsTransactions;

/** fenceWith on kafkajs. */
export async function fenceTransactionalId(kafka: Kafka, transactionalId: string): Promise<void> {
  const p = kafkajsTransactionalProducer(kafka, transactionalId, TRANSACTION_TIMEOUT_MS, { fencing: true });
  try {
    await initKafkajsTransactions(p);
  } finally {
    await p.disconnect().catch(() => undefined);
  }
}

/** Whether a kafkajs error (or one it wraps) says this producer's epoch was fenced. */
export const isFencedError = isKafkajsFenced;
