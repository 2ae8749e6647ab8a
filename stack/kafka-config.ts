import crypto from 'node:crypto';

/** Ports of one single-node KRaft broker. */
export interface KafkaPorts {
  plaintext: number;
  controller: number;
  sasl: number;
}

/** One node of a multi-broker stack (`stack up --brokers 3`): its node.id and its ports. */
export interface KafkaNode {
  id: number;
  ports: KafkaPorts;
}

/**
 * The nodes of an `n`-broker stack: node 1 on the single broker's ports, node k on each port +
 * (k-1) x `step` (CROSSDOCK_KAFKA_NODE_PORT_STEP, default 10).
 */
export function kafkaNodes(base: KafkaPorts, n: number, step: number): KafkaNode[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    ports: {
      plaintext: base.plaintext + i * step,
      controller: base.controller + i * step,
      sasl: base.sasl + i * step,
    },
  }));
}

export interface ScramUser {
  name: string;
  password: string;
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what StorageTool expects), never
 * starting with '-' (StorageTool's argument parser would read `-t -abc…` as a missing value; Kafka's
 * own Uuid.randomUuid() draws again for the same reason). One id in 64 would otherwise fail.
 */
export function newClusterId(random: (n: number) => Buffer = crypto.randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Who the broker is to itself, and who may do everything. */
/**
 * What every single-node broker crossdock runs needs whatever its listeners: internal topics with
 * one replica and one partition, no auto-created topics, no rebalance delay. The stack's broker and
 * the test harness's secured broker (test/helpers/secured-services.ts) both take these.
 */
export const SINGLE_NODE_DEFAULTS: ReadonlyArray<readonly [string, string]> = Object.freeze([
  ['num.partitions', '1'],
  ['auto.create.topics.enable', 'false'],
  ['offsets.topic.replication.factor', '1'],
  ['offsets.topic.num.partitions', '1'],
  ['transaction.state.log.replication.factor', '1'],
  ['transaction.state.log.min.isr', '1'],
  ['transaction.state.log.num.partitions', '1'],
  ['group.initial.rebalance.delay.ms', '0'],
  ['share.coordinator.state.topic.replication.factor', '1'],
  ['share.coordinator.state.topic.min.isr', '1'],
] as const);

/**
 * What every node of a three-broker stack takes instead of {@link SINGLE_NODE_DEFAULTS}: every
 * topic the broker makes on its own (offsets, transaction state, a create without a factor) has 3
 * replicas and refuses acks=all writes below 2 in sync, so one broker may be lost without losing an
 * acknowledged write or stopping producers. Partitions of the internal topics stay few (small box).
 */
export const THREE_NODE_DEFAULTS: ReadonlyArray<readonly [string, string]> = Object.freeze([
  ['num.partitions', '1'],
  ['auto.create.topics.enable', 'false'],
  ['default.replication.factor', '3'],
  ['min.insync.replicas', '2'],
  ['offsets.topic.replication.factor', '3'],
  ['offsets.topic.num.partitions', '3'],
  ['transaction.state.log.replication.factor', '3'],
  ['transaction.state.log.min.isr', '2'],
  ['transaction.state.log.num.partitions', '3'],
  ['group.initial.rebalance.delay.ms', '0'],
  ['share.coordinator.state.topic.replication.factor', '3'],
  ['share.coordinator.state.topic.min.isr', '2'],
  // A broker killed and restarted catches up and becomes leader again of what it led.
  ['unclean.leader.election.enable', 'false'],
  ['auto.leader.rebalance.enable', 'true'],
  ['leader.imbalance.check.interval.seconds', '30'],
] as const);

export interface BrokerSecurity {
  /** Principals (user names) in `super.users`; the stack passes only `admin`. */
  superUsers: string[];
  /**
   * The broker's own identity on its controller (SASL PLAIN, password in this file) and
   * inter-broker (SCRAM-SHA-512 on the SASL listener) connections; must be a super user, since the
   * controller authorizes the broker's registration before any ACL is loaded.
   */
  internalUser: ScramUser;
}

/**
 * server.properties for one combined broker+controller on loopback. Every listener binds
 * 127.0.0.1; nobody but the super users (`admin`) may do anything that no ACL allows.
 *
 * Listeners:
 * - PLAINTEXT: for local tools and the test suite. Its principal is ANONYMOUS, which is NOT a super
 *   user: it gets its rights from ACLs restricted to host 127.0.0.1 that `stack up` creates
 *   ({@link loopbackAnonymousAcls}), so a PLAINTEXT listener ever exposed beyond loopback by
 *   mistake still grants nothing.
 * - SASL_PLAINTEXT: SCRAM-SHA-256/512 logins (sites, `hub`, `admin`); also the inter-broker
 *   listener, where the broker logs in as the internal user with SCRAM-SHA-512.
 * - CONTROLLER: SASL_PLAINTEXT with PLAIN and one static user (the internal user): the controller
 *   must authorize the broker before any ACL or SCRAM credential is loaded, and SCRAM credentials
 *   live in the metadata log.
 * The StandardAuthorizer with `allow.everyone.if.no.acl.found=false` denies what no ACL allows.
 * A static quorum (controller.quorum.voters) keeps the same file valid on 3.9 and every 4.x.
 * The file carries the internal user's password: write it 0600.
 */
export function brokerProperties(
  ports: KafkaPorts,
  logDir: string,
  security: BrokerSecurity,
  /**
   * A node of a multi-broker stack: its id and every node of the controller quorum (each node is
   * broker and controller: `controller.quorum.voters` lists all), with {@link THREE_NODE_DEFAULTS}.
   * Left out: the single node 1.
   */
  quorum?: { nodeId: number; nodes: KafkaNode[] },
): Map<string, string> {
  const { internalUser } = security;
  if (!security.superUsers.includes(internalUser.name))
    throw new Error(`the internal user "${internalUser.name}" must be a super user`);
  if (security.superUsers.includes('ANONYMOUS')) throw new Error('ANONYMOUS must not be a super user');
  assertJaasSafe(internalUser);
  const jaasUser = `username="${internalUser.name}" password="${internalUser.password}"`;
  const host = '127.0.0.1';
  const props = new Map<string, string>([
    ['process.roles', 'broker,controller'],
    ['node.id', String(quorum?.nodeId ?? 1)],
    [
      'controller.quorum.voters',
      quorum
        ? quorum.nodes.map((n) => `${n.id}@${host}:${n.ports.controller}`).join(',')
        : `1@${host}:${ports.controller}`,
    ],
    [
      'listeners',
      `PLAINTEXT://${host}:${ports.plaintext},CONTROLLER://${host}:${ports.controller},SASL_PLAINTEXT://${host}:${ports.sasl}`,
    ],
    ['advertised.listeners', `PLAINTEXT://${host}:${ports.plaintext},SASL_PLAINTEXT://${host}:${ports.sasl}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'SASL_PLAINTEXT'],
    ['sasl.mechanism.inter.broker.protocol', 'SCRAM-SHA-512'],
    [
      'listener.security.protocol.map',
      'CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    ],
    ['sasl.mechanism.controller.protocol', 'PLAIN'],
    ['listener.name.controller.sasl.enabled.mechanisms', 'PLAIN'],
    [
      'listener.name.controller.plain.sasl.jaas.config',
      `org.apache.kafka.common.security.plain.PlainLoginModule required ${jaasUser} user_${internalUser.name}="${internalUser.password}";`,
    ],
    ['log.dirs', logDir],
    ...(quorum ? THREE_NODE_DEFAULTS : SINGLE_NODE_DEFAULTS),
    ['sasl.enabled.mechanisms', 'SCRAM-SHA-256,SCRAM-SHA-512'],
    ['listener.name.sasl_plaintext.sasl.enabled.mechanisms', 'SCRAM-SHA-256,SCRAM-SHA-512'],
    [
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config',
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ],
    [
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config',
      // username/password are the broker's own inter-broker login; SCRAM servers ignore them.
      `org.apache.kafka.common.security.scram.ScramLoginModule required ${jaasUser};`,
    ],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['super.users', security.superUsers.map((u) => `User:${u}`).join(';')],
    ['allow.everyone.if.no.acl.found', 'false'],
    // Small box: keep segment and index preallocation modest.
    ['log.segment.bytes', String(64 * 1024 * 1024)],
    ['log.retention.hours', '168'],
  ]);
  return props;
}

/** A JAAS option value is a double-quoted string: refuse what would end it or need escaping. */
function assertJaasSafe(user: ScramUser): void {
  if (!/^[A-Za-z0-9._-]+$/.test(user.name))
    throw new Error(`user name "${user.name}" cannot go in a JAAS line`);
  if (/["\\;\s]/.test(user.password))
    throw new Error(`the password of "${user.name}" contains a quote, backslash, semicolon or space`);
}

/** Renders a properties map; values are written as they are (none of ours needs escaping but ':' in keys). */
export function renderProperties(props: Map<string, string>): string {
  const lines: string[] = [];
  for (const [k, v] of props) {
    if (/[\n\r]/.test(k) || /[\n\r]/.test(v)) throw new Error(`property ${k} contains a line break`);
    lines.push(`${k}=${v}`);
  }
  return lines.join('\n') + '\n';
}

/** StorageTool arguments that create SCRAM credentials at format time (kafkajs cannot create them). */
export function scramFormatArgs(users: ScramUser[]): string[] {
  const args: string[] = [];
  for (const u of users) {
    if (!/^[A-Za-z0-9._-]+$/.test(u.name))
      throw new Error(`SCRAM user name "${u.name}" has characters StorageTool cannot take`);
    if (/[\],=]/.test(u.password)) throw new Error(`SCRAM password for "${u.name}" contains one of ] , =`);
    for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      args.push('-S', `${mech}=[name=${u.name},password=${u.password}]`);
    }
  }
  return args;
}

/** log4j2 configuration: warnings to the console (the log file), plus the one "started" line. */
export function log4j2Properties(): string {
  return [
    'appender.console.type=Console',
    'appender.console.name=STDOUT',
    'appender.console.layout.type=PatternLayout',
    'appender.console.layout.pattern=[%d] %p %m (%c)%n',
    'rootLogger.level=WARN',
    'rootLogger.appenderRef.stdout.ref=STDOUT',
    'logger.raft.name=kafka.server.KafkaRaftServer',
    'logger.raft.level=INFO',
    '',
  ].join('\n');
}

/** The pom whose runtime dependencies are the broker's classpath (Kafka's pom leaves out a logging backend). */
export function kafkaPom(kafkaVersion: string, log4jVersion: string): string {
  const dep = (g: string, a: string, v: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>dev.crossdock.stack</groupId><artifactId>kafka-broker</artifactId><version>1</version>',
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dep('org.apache.kafka', 'kafka_2.13', kafkaVersion),
    // Kafka 4.0/4.1 still build against slf4j 1.7: the log4j2 binding for slf4j 1.x.
    dep('org.apache.logging.log4j', 'log4j-slf4j-impl', log4jVersion),
    dep('org.apache.logging.log4j', 'log4j-core', log4jVersion),
    dep('org.apache.logging.log4j', 'log4j-api', log4jVersion),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}
