// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../core/kafkajs-patch';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type AclEntry,
} from 'kafkajs';
import { CrossdockError, describeError } from '../core/errors';
import type { ScramUser } from './kafka-config';

/** The host every ACL of the PLAINTEXT listener's principal is restricted to. */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * The rights of ANONYMOUS (the PLAINTEXT listener's principal) in the local stack: ALL on every
 * topic, group and transactional id (`*`) and on the cluster, but only from 127.0.0.1. Local tools
 * and the test suite use that listener as before; a connection from any other address (the
 * listener binds 127.0.0.1, so there should be none) has no right at all. ANONYMOUS is no super
 * user, and these ACLs name no other principal: site users keep exactly the ACLs onboarding gives
 * them.
 */
export function loopbackAnonymousAcls(): AclEntry[] {
  const resources: Array<[AclResourceTypes, string]> = [
    [AclResourceTypes.TOPIC, '*'],
    [AclResourceTypes.GROUP, '*'],
    [AclResourceTypes.TRANSACTIONAL_ID, '*'],
    [AclResourceTypes.CLUSTER, 'kafka-cluster'],
  ];
  return resources.map(([resourceType, resourceName]) => ({
    resourceType,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:ANONYMOUS',
    host: LOOPBACK_HOST,
    operation: AclOperationTypes.ALL,
    permissionType: AclPermissionTypes.ALLOW,
  }));
}

/**
 * Creates {@link loopbackAnonymousAcls} through the SASL listener as `admin` (a super user; on
 * PLAINTEXT ANONYMOUS could not grant itself anything). Idempotent: Kafka keeps one copy of an
 * ACL binding created twice, so every `stack up` that starts Kafka runs it, on fresh and on
 * reused storage alike.
 * @throws CrossdockError CD_E_STACK_ACLS_FAILED when the broker refuses or cannot be reached
 */
export async function ensureLoopbackAcls(saslBrokers: string[], admin: ScramUser): Promise<void> {
  const kafka = new Kafka({
    clientId: 'crossdock-stack-acls',
    brokers: saslBrokers,
    sasl: { mechanism: 'scram-sha-512', username: admin.name, password: admin.password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  const client = kafka.admin();
  try {
    await client.connect();
    await client.createAcls({ acl: loopbackAnonymousAcls() });
  } catch (err) {
    throw new CrossdockError(
      'CD_E_STACK_ACLS_FAILED',
      `Could not create the loopback ACLs of the PLAINTEXT listener through ${saslBrokers.join(',')} as ${admin.name}: ${describeError(err)}`,
      { retriable: true, details: { brokers: saslBrokers, user: admin.name } },
    );
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}
