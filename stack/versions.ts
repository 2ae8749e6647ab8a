/**
 * What the local stack runs. Kafka 4.1.x: kafkajs transactions were checked against it
 * (test/integration/stack/kafka-smoke.test.ts). Apicurio 3.3.x: 3.3.0 fixed a batch of
 * Confluent-compatibility gaps; its classes need Java 21+.
 */
export const KAFKA_VERSION = process.env.CROSSDOCK_KAFKA_VERSION ?? '4.1.1';
export const LOG4J_VERSION = '2.24.3';
export const APICURIO_VERSION = process.env.CROSSDOCK_APICURIO_VERSION ?? '3.3.3';
export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
/** Minimum Java feature release per part. */
export const JAVA_MIN = { kafka: 17, registry: 21 } as const;
