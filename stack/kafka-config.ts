import crypto from 'node:crypto';

/** Ports of one single-node KRaft broker. */
export interface KafkaPorts {
  plaintext: number;
  controller: number;
  sasl: number;
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

/**
 * server.properties for one combined broker+controller on loopback.
 *
 * Listeners: PLAINTEXT is the hub's trusted internal listener (its principal, ANONYMOUS, is a super
 * user); SASL_PLAINTEXT takes SCRAM logins from sites, and the StandardAuthorizer with
 * `allow.everyone.if.no.acl.found=false` means a site user can do only what its ACLs allow.
 * A static quorum (controller.quorum.voters) keeps the same file valid on 3.9 and every 4.x.
 */
export function brokerProperties(
  ports: KafkaPorts,
  logDir: string,
  superUsers: string[],
): Map<string, string> {
  const host = '127.0.0.1';
  const props = new Map<string, string>([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', `1@${host}:${ports.controller}`],
    [
      'listeners',
      `PLAINTEXT://${host}:${ports.plaintext},CONTROLLER://${host}:${ports.controller},SASL_PLAINTEXT://${host}:${ports.sasl}`,
    ],
    ['advertised.listeners', `PLAINTEXT://${host}:${ports.plaintext},SASL_PLAINTEXT://${host}:${ports.sasl}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    [
      'listener.security.protocol.map',
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    ],
    ['log.dirs', logDir],
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
    ['sasl.enabled.mechanisms', 'SCRAM-SHA-256,SCRAM-SHA-512'],
    ['listener.name.sasl_plaintext.sasl.enabled.mechanisms', 'SCRAM-SHA-256,SCRAM-SHA-512'],
    [
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config',
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ],
    [
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config',
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['super.users', ['ANONYMOUS', ...superUsers].map((u) => `User:${u}`).join(';')],
    ['allow.everyone.if.no.acl.found', 'false'],
    // Small box: keep segment and index preallocation modest.
    ['log.segment.bytes', String(64 * 1024 * 1024)],
    ['log.retention.hours', '168'],
  ]);
  return props;
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
