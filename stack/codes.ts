import { defineCodes } from '../core/errors';

/** Error codes of the local stack (`crossdock stack ...`). */
export const STACK_CODES = defineCodes({
  CD_E_STACK_NO_JAVA: {
    meaning: 'No Java runtime new enough was found (Kafka needs 17+, the registry 21+).',
    action:
      'Install a JDK (apt-get install openjdk-17-jdk; Temurin 21+ for the registry) or set JAVA_HOME / CROSSDOCK_REGISTRY_JAVA_HOME.',
    retriable: false,
  },
  CD_E_STACK_NO_MAVEN: {
    meaning: 'The `mvn` command was not found; the stack fetches Kafka and the registry with Maven.',
    action: 'Install Maven (apt-get install maven) or point CROSSDOCK_MVN at it.',
    retriable: false,
  },
  CD_E_STACK_DOWNLOAD_FAILED: {
    meaning: 'Maven could not fetch an artifact of the stack from Maven Central.',
    action:
      "Check the network and ~/.m2/settings.xml; the message carries the tail of Maven's output. Run `crossdock stack up` again.",
    retriable: true,
  },
  CD_E_STACK_PORT_IN_USE: {
    meaning: 'A port the stack needs is held by a program that the stack did not start.',
    action:
      'Stop that program, or move the stack with CROSSDOCK_KAFKA_PORT / CROSSDOCK_REGISTRY_PORT / CROSSDOCK_REDIS_PORT / CROSSDOCK_REDIS_CLUSTER_PORT (see docs/stack.md).',
    retriable: false,
  },
  CD_E_STACK_NOT_READY: {
    meaning: 'A part of the stack started but did not answer in time.',
    action:
      'Read the log tail in the message (and `crossdock stack logs <part>`); a slow machine may need CROSSDOCK_STACK_TIMEOUT_MS.',
    retriable: true,
  },
  CD_E_STACK_PART_EXITED: {
    meaning: 'A part of the stack exited while it was starting, before it answered.',
    action:
      'Read the log tail in the message (and `crossdock stack logs <part>`): it says why (a setting, a port, memory); fix that and run `crossdock stack up` again.',
    retriable: false,
  },
  CD_E_STACK_FORMAT_FAILED: {
    meaning: 'Formatting the Kafka storage directory failed.',
    action:
      'Read the output in the message; `crossdock stack down --purge` removes the data directory and starts clean.',
    retriable: false,
  },
  CD_E_STACK_NO_CREDENTIALS: {
    meaning:
      "Kafka's storage is formatted but credentials.json (the SCRAM passwords made with it) is missing or has no `admin`: the broker could not log in to itself.",
    action:
      'Restore `<home>/stack/credentials.json` from a backup, or start clean with `crossdock stack down --purge` (removes the Kafka data).',
    retriable: false,
  },
  CD_E_STACK_ACLS_FAILED: {
    meaning:
      "`stack up` could not create the PLAINTEXT listener's loopback ACLs (ANONYMOUS from 127.0.0.1) as `admin` over the SASL listener.",
    action:
      'Read the reason in the message and `crossdock stack logs kafka`; check that credentials.json belongs to this storage. Run `crossdock stack up` again.',
    retriable: true,
  },
  CD_E_STACK_NO_REDIS: {
    meaning:
      "Nothing answers at REDIS_URL, or REDIS_URL is unset and no `redis-server` is on PATH for the stack's own Redis.",
    action: 'Install Redis (apt-get install redis-server) or set REDIS_URL to a Redis that runs.',
    retriable: false,
  },
  CD_E_STACK_REDIS_CLUSTER_EXTERNAL: {
    meaning:
      "`crossdock stack up --redis-cluster` would start the stack's own Redis Cluster, but REDIS_URL names a Redis of yours (the stack starts nothing for a part the environment points elsewhere).",
    action: "Unset REDIS_URL to run the stack's cluster, or leave out --redis-cluster to use yours.",
    retriable: false,
  },
  CD_E_STACK_BROKERS_INVALID: {
    meaning:
      '`crossdock stack up --brokers <n>` was given a count the stack does not run: it runs 1 broker (the default) or 3.',
    action: 'Use `--brokers 1` or `--brokers 3` (docs/scaling.md, Three brokers).',
    retriable: false,
  },
  CD_E_STACK_BROKERS_EXTERNAL: {
    meaning:
      "`crossdock stack up --brokers 3` would start the stack's own three brokers, but CROSSDOCK_KAFKA_BROKERS names a Kafka of yours (the stack starts nothing for a part the environment points elsewhere).",
    action: "Unset CROSSDOCK_KAFKA_BROKERS to run the stack's brokers, or leave out --brokers to use yours.",
    retriable: false,
  },
  CD_E_STACK_UNKNOWN_PART: {
    meaning: 'A stack command named a part that does not exist.',
    action: 'Use one of: kafka, registry, redis.',
    retriable: false,
  },
});
