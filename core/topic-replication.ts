import type { Admin } from 'kafkajs';
import { CrossdockError } from './errors';

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
  replicationFactor: number,
  setting: string,
  topics: string[],
): Promise<void> {
  // -1 (or unset) asks for the broker's default.replication.factor, which the broker checks.
  if (replicationFactor <= 1) return;
  const { brokers } = await admin.describeCluster();
  if (replicationFactor <= brokers.length) return;
  throw new CrossdockError(
    'CD_E_TOPIC_REPLICATION_TOO_HIGH',
    `${setting} is ${replicationFactor}, but the Kafka cluster has ${brokers.length} broker(s) running (${brokers.map((b) => `${b.host}:${b.port}`).join(', ')}); ${topics.length} topic(s) to create (${topics.slice(0, 3).join(', ')}${topics.length > 3 ? ', …' : ''}) cannot have more replicas than brokers. Lower ${setting} to at most ${brokers.length}, or start the missing brokers (\`crossdock stack up --brokers 3\` runs three locally).`,
    { details: { setting, replicationFactor, brokers: brokers.length } },
  );
}
