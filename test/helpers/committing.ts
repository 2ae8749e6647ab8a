import type { Kafka } from 'kafkajs';
import type { CommittingFactory } from '../../core/kafka-client/committing';
import { chooseKafkaClient, committingFor } from '../../core/kafka-client/choose';
import { randomName, testEndpoints } from './stack';

/**
 * The sink connectors' consumer as the hub picks it (hub.kafka.clients.connectors `auto`), for
 * tests that build connectors themselves: CROSSDOCK_KAFKA_AUTO_CONNECTORS=librdkafka runs them on
 * the native client (`npm run test:connectors-native`).
 */
export function testConsumerFactory(kafka: Kafka): CommittingFactory {
  return committingFor(chooseKafkaClient('connectors'), kafka, {
    clientId: randomName('test-connector'),
    connection: testEndpoints().kafka,
  });
}
