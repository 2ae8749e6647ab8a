import type { Admin, ITopicConfig } from 'kafkajs';
import { CrossdockError } from './errors';

/**
 * CreateTopics's replication factor meaning "the brokers' `default.replication.factor`" (KIP-464):
 * what `hub.topics.replicationFactor` unset asks for. Kafka 4.1's controller takes it at any
 * request version (kafkajs 2.2.4 sends CreateTopics v3, whose encoder already defaults to -1).
 */
export const BROKER_DEFAULT_REPLICATION = -1;

/** The replication factor to ask Kafka for: the setting, else the brokers' default. */
export function replicationOf(setting: number | undefined): number {
  return setting ?? BROKER_DEFAULT_REPLICATION;
}

/**
 * Before topics are created: a replication factor above the number of brokers alive is refused
 * with CD_E_TOPIC_REPLICATION_TOO_HIGH naming the setting and both numbers, instead of Kafka's
 * INVALID_REPLICATION_FACTOR surfacing as a client stack trace. `describeCluster` lists the
 * brokers registered now, so a three-broker cluster with one broker down refuses a factor of 3
 * until it is back (Kafka would refuse the create too).
 * @param setting what the user sets to change it, for the message (e.g. `hub.topics.replicationFactor`)
 * @throws CrossdockError CD_E_TOPIC_REPLICATION_TOO_HIGH
 */
export async function assertReplicationFits(
  admin: Pick<Admin, 'describeCluster'>,
  replicationFactor: number | undefined,
  setting: string,
  topics: string[],
): Promise<void> {
  // Unset (or -1) asks for the brokers' default.replication.factor, which the broker checks.
  if (replicationFactor === undefined || replicationFactor <= 1) return;
  const { brokers } = await admin.describeCluster();
  if (replicationFactor <= brokers.length) return;
  throw new CrossdockError(
    'CD_E_TOPIC_REPLICATION_TOO_HIGH',
    `${setting} is ${replicationFactor}, but the Kafka cluster has ${brokers.length} broker(s) running (${brokers.map((b) => `${b.host}:${b.port}`).join(', ')}); ${topics.length} topic(s) to create (${topics.slice(0, 3).join(', ')}${topics.length > 3 ? ', …' : ''}) cannot have more replicas than brokers. Lower ${setting} to at most ${brokers.length}, or start the missing brokers (\`crossdock stack up --brokers 3\` runs three locally).`,
    { details: { setting, replicationFactor, brokers: brokers.length } },
  );
}

function metadataNotYet(err: unknown): boolean {
  const type = (err as { type?: unknown }).type;
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE';
}

/**
 * `admin.createTopics`, then waits until every partition of `topics` has a leader. kafkajs's own
 * `waitForLeaders` asks one broker right after the create and gives up on the first
 * UNKNOWN_TOPIC_OR_PARTITION: on a cluster of several brokers, that broker's metadata may not hold
 * the new topic yet (seen on three local brokers), so the create succeeded and the call failed.
 * Here both "not yet" answers are waited out. Returns createTopics's answer (false: all existed).
 * @throws Error when a leader is still missing after `timeoutMs`; what createTopics throws
 */
export async function createTopicsWithLeaders(
  admin: Pick<Admin, 'createTopics' | 'fetchTopicMetadata'>,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const md = await admin.fetchTopicMetadata({ topics: names });
      const ready = md.topics.filter(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (ready.length === names.length) return created;
    } catch (err) {
      if (!metadataNotYet(err)) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out while waiting for topic leaders of ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
