import { defineCodes } from '../errors';

/** Codes of the Kafka client choice (kafkajs or the native librdkafka client). */
export const KAFKA_CLIENT_CODES = defineCodes({
  CD_E_KAFKA_NATIVE_BUILD: {
    meaning:
      'Building the native Kafka client (@confluentinc/kafka-javascript with librdkafka) during npm install failed; the install itself went on, and the hub runs on kafkajs.',
    action:
      'Read the build log the message names; install what it lacks (Debian: apt-get install build-essential pkg-config libssl-dev zlib1g-dev), then `npm run native` builds it again.',
    retriable: false,
  },
  CD_E_KAFKA_NATIVE_UNAVAILABLE: {
    meaning:
      'A component was to use the native Kafka client (librdkafka) but it cannot be loaded (not built, its build failed, or CROSSDOCK_KAFKA_NATIVE=off). With `auto` the component runs on kafkajs; with `librdkafka` set in hub.kafka.clients it does not start.',
    action:
      '`npm run native` builds the client and says why it cannot; or set the component to `kafkajs` in hub.kafka.clients.',
    retriable: false,
  },
});
