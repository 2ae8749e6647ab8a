// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../core/kafkajs-patch';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import type { HubConfig } from '../core/config';
import { requiredTopics, topics } from '../core/names/topics';
import { subscriberRuntimeConfig } from '../connectors/sinks';

/**
 * The least-privilege Kafka ACLs of the hub's own principal for one configuration and topic
 * prefix (`crossdock acl plan|apply`): what `crossdock start` does on Kafka, and nothing else.
 *
 * Contract: every entry is an ALLOW; topics are LITERAL names from core/names/topics.ts (a new site
 * or subscriber needs the plan run again), while names made up at run time are PREFIXED: the
 * router's transactional ids (`<groupId>-…`, or CROSSDOCK_ROUTER_INSTANCE), the catalog followers'
 * groups (`<prefix>.catalog.follower.`), the readers of dead-letter topics (`crossdock-read-`) and
 * the CSV recovery readers (`crossdock-csv-recovery-`). No cluster operation is needed (topic
 * creation is granted per topic; brokers ≥ 3.0 derive idempotent writes from WRITE). Operations
 * implied by others are left out (READ, WRITE and DELETE imply DESCRIBE). The operator's tools —
 * `events tail`, `site add`, `schemas push` run elsewhere — are not in it: they run with their
 * own credentials.
 */

export type AclResourceType = 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID' | 'CLUSTER';
export type AclPatternType = 'LITERAL' | 'PREFIXED';
export type AclOperation = 'READ' | 'WRITE' | 'CREATE' | 'DESCRIBE' | 'DELETE';

export interface PlannedAcl {
  resourceType: AclResourceType;
  resourceName: string;
  patternType: AclPatternType;
  operation: AclOperation;
  /** Which parts of the hub need it, and for what. */
  why: string[];
}

export interface AclPlan {
  principal: string;
  host: string;
  topicPrefix: string;
  acls: PlannedAcl[];
}

export interface AclPlanOptions {
  /** `User:<name>`. @defaultValue 'User:hub' */
  principal?: string;
  /** Host the ACLs allow. @defaultValue '*' */
  host?: string;
  /** Read for CROSSDOCK_ROUTER_INSTANCE (the router's transactional-id prefix). */
  env?: NodeJS.ProcessEnv;
}

/** Principal syntax Kafka accepts: `User:<name>` (no spaces, no comma). */
export const PRINCIPAL_RE = /^User:[^\s,]+$/;

export function planAcls(config: HubConfig, options: AclPlanOptions = {}): AclPlan {
  const env = options.env ?? process.env;
  const t = topics(config);
  const entries = new Map<string, PlannedAcl>();
  const add = (
    resourceType: AclResourceType,
    resourceName: string,
    patternType: AclPatternType,
    operations: AclOperation[],
    why: string,
  ) => {
    for (const operation of operations) {
      const key = `${resourceType} ${patternType} ${resourceName} ${operation}`;
      const found = entries.get(key);
      if (found) {
        if (!found.why.includes(why)) found.why.push(why);
      } else entries.set(key, { resourceType, resourceName, patternType, operation, why: [why] });
    }
  };
  const topic = (name: string, operations: AclOperation[], why: string) =>
    add('TOPIC', name, 'LITERAL', operations, why);

  // Topics crossdock start (and the router) creates when missing, and the catalog topic.
  for (const name of requiredTopics(config)) topic(name, ['CREATE'], 'start: creates the topic when missing');
  topic(t.catalog, ['CREATE', 'WRITE'], 'start: publishes the event catalog');
  topic(t.catalog, ['READ'], 'router, replay, admin API: follow the catalog');

  // Sources and router.
  for (const site of config.sites) {
    const ingress = t.ingress(site.id);
    topic(ingress, ['READ'], 'router: consumes every ingress topic');
    const kind = (site.connector as { kind?: string } | undefined)?.kind ?? 'sdk';
    if (kind === 'http' || kind === 'csv')
      topic(ingress, ['WRITE'], `sources: ${kind} ingest publishes for the site`);
    topic(ingress, ['WRITE'], 'replay: re-sends a router dead letter to its ingress topic');
  }
  topic(t.flowAlerts, ['READ'], "router: consumes the flow alerts (the hub's own site crossdock)");
  add(
    'GROUP',
    config.hub.router.groupId,
    'LITERAL',
    ['READ'],
    'router: consumer group, offsets in its transactions',
  );
  const txPrefix = env.CROSSDOCK_ROUTER_INSTANCE || `${config.hub.router.groupId}-`;
  add(
    'TRANSACTIONAL_ID',
    txPrefix,
    'PREFIXED',
    ['WRITE'],
    'router: transactional producers (and fencing a predecessor)',
  );
  topic(t.flowAlerts, ['WRITE'], 'replay: re-sends a router dead letter of a flow alert to its topic');
  topic(t.dlqRouter, ['WRITE'], 'router: dead-letters');
  if (config.hub.router.sendUnrouted) topic(t.unrouted, ['WRITE'], 'router: events no route matched');
  add(
    'GROUP',
    `${t.catalog}.follower.`,
    'PREFIXED',
    ['READ', 'DELETE'],
    'catalog followers: a group each, deleted on stop',
  );
  if (config.sites.some((s) => (s.connector as { kind?: string } | undefined)?.kind === 'csv'))
    add(
      'GROUP',
      'crossdock-csv-recovery-',
      'PREFIXED',
      ['READ'],
      'sources: CSV recovery reads the ingress topic',
    );

  // Sink connectors.
  for (const sub of config.subscribers) {
    // Only what names Kafka resources is compiled: an HTTP sink's settings (its secrets) are not
    // read, so a plan can be made where those are not set.
    const rc = subscriberRuntimeConfig(
      { id: sub.id, sink: sub.sink.kind === 'kafka' ? sub.sink : { kind: 'kafka' } },
      { topicPrefix: config.hub.topicPrefix },
    );
    topic(t.deliver(sub.id), ['WRITE'], 'router: fans out to the subscriber');
    topic(t.deliver(sub.id), ['WRITE'], 'replay: re-sends a delivery dead letter');
    topic(t.deliver(sub.id), ['READ'], `connector ${sub.id}: consumes its deliver topic`);
    add('GROUP', rc.consumer.groupId, 'LITERAL', ['READ'], `connector ${sub.id}: consumer group`);
    topic(t.dlqDeliver(sub.id), ['WRITE'], `connector ${sub.id}: dead-letters`);
    const sink = rc.sink as {
      kind: string;
      topic?: string;
      brokers?: readonly string[];
      createTopic?: boolean;
    };
    if (sub.sink.kind === 'kafka' && sink.topic && (sink.brokers ?? []).length === 0) {
      topic(sink.topic, ['WRITE'], `connector ${sub.id}: Kafka sink on the hub's cluster`);
      if (sink.createTopic) topic(sink.topic, ['CREATE'], `connector ${sub.id}: creates its sink topic`);
    }
  }

  // Dead letters: the indexer, the state log, the audit trail.
  const dlqTopics = [t.dlqRouter, ...config.subscribers.map((s) => t.dlqDeliver(s.id))];
  for (const name of dlqTopics) topic(name, ['READ'], 'dlq indexer and replay: read dead letters');
  add('GROUP', t.dlqIndexerGroup, 'LITERAL', ['READ'], 'dlq indexer: consumer group');
  add(
    'GROUP',
    'crossdock-read-',
    'PREFIXED',
    ['READ'],
    'dlq: reads topics to their end (reindex, state log)',
  );
  topic(t.dlqState, ['READ', 'WRITE'], "admin API: operators' dead-letter states");
  topic(t.audit, ['READ', 'WRITE'], 'admin API: the audit trail');

  // The flow tracker (flows/): its feed reads every ingress topic and the router's dead letters,
  // reads the router group's committed offsets (READ on that group, above, implies DESCRIBE), and
  // its engine publishes flow alerts.
  for (const site of config.sites)
    topic(t.ingress(site.id), ['READ'], 'flow tracker: reads every ingress topic');
  topic(t.dlqRouter, ['READ'], "flow tracker: reads the router's dead letters");
  add('GROUP', t.flowTrackerGroup, 'LITERAL', ['READ'], 'flow tracker: consumer group');
  add(
    'GROUP',
    `${t.flowTrackerReaderGroups}.`,
    'PREFIXED',
    ['READ', 'DELETE'],
    "flow tracker: a group per process reading the router's dead letters, deleted on stop",
  );
  topic(t.flowAlerts, ['WRITE'], 'flow tracker: publishes flow alerts');
  topic(t.flowAlerts, ['READ'], 'flow tracker: after a restart, looks for the alerts it may have published');
  add(
    'GROUP',
    t.flowAlertsCheckGroups,
    'PREFIXED',
    ['READ', 'DELETE'],
    'flow tracker: a short-lived group per restart check of the flow alerts',
  );

  const order: Record<AclResourceType, number> = { CLUSTER: 0, TOPIC: 1, GROUP: 2, TRANSACTIONAL_ID: 3 };
  const acls = [...entries.values()].sort(
    (a, b) =>
      order[a.resourceType] - order[b.resourceType] ||
      a.resourceName.localeCompare(b.resourceName) ||
      a.operation.localeCompare(b.operation),
  );
  return {
    principal: options.principal ?? 'User:hub',
    host: options.host ?? '*',
    topicPrefix: config.hub.topicPrefix,
    acls,
  };
}

const FLAG: Record<AclResourceType, string> = {
  TOPIC: '--topic',
  GROUP: '--group',
  TRANSACTIONAL_ID: '--transactional-id',
  CLUSTER: '--cluster',
};

function titleCase(op: string): string {
  return op
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** The plan as kafka-acls.sh commands, one per resource (its operations together). */
export function aclPlanLines(plan: AclPlan, bootstrap = '<bootstrap>'): string[] {
  const byResource = new Map<string, PlannedAcl[]>();
  for (const a of plan.acls) {
    const key = `${a.resourceType}\u0000${a.patternType}\u0000${a.resourceName}`;
    byResource.set(key, [...(byResource.get(key) ?? []), a]);
  }
  return [...byResource.values()].map((list) => {
    const { resourceType, resourceName, patternType } = list[0]!;
    const ops = list.map((a) => `--operation ${titleCase(a.operation)}`).join(' ');
    const resource = resourceType === 'CLUSTER' ? '--cluster' : `${FLAG[resourceType]} '${resourceName}'`;
    const host = plan.host === '*' ? '' : ` --allow-host '${plan.host}'`;
    return `kafka-acls.sh --bootstrap-server ${bootstrap} --command-config admin.properties --add --allow-principal '${plan.principal}'${host} ${ops} ${resource} --resource-pattern-type ${patternType.toLowerCase()}`;
  });
}

/**
 * Creates the plan's ACLs with kafkajs's admin client (CreateAcls; an ACL that exists already is
 * not an error). The client must be logged in as a principal allowed to ALTER the cluster.
 * Returns how many ACLs were sent.
 */
export async function applyAclPlan(admin: Admin, plan: AclPlan): Promise<number> {
  const acl = plan.acls.map((a) => ({
    resourceType: AclResourceTypes[a.resourceType],
    resourceName: a.resourceType === 'CLUSTER' ? 'kafka-cluster' : a.resourceName,
    resourcePatternType: ResourcePatternTypes[a.patternType],
    principal: plan.principal,
    host: plan.host,
    operation: AclOperationTypes[a.operation],
    permissionType: AclPermissionTypes.ALLOW,
  }));
  await admin.createAcls({ acl });
  return acl.length;
}
