import { sinkConnectorComponent } from '../../../connectors/sinks';
import { resolveEndpoints } from '../../../core/env';
import { createHealthServer } from '../../../core/health';
import { silentLogger } from '../../../core/logger';

describe("a sink connector's Kafka client (hub.kafka.clients.connectors)", () => {
  const health = createHealthServer(undefined, { defaultMetrics: false });
  const make = (client: 'auto' | 'kafkajs' | 'librdkafka') =>
    sinkConnectorComponent(
      { id: 'analytics', sink: { kind: 'http', url: 'http://127.0.0.1:9/x' } },
      { endpoints: resolveEndpoints({}), logger: silentLogger(), health },
      { client, env: { CROSSDOCK_KAFKA_NATIVE: 'off' } },
    );

  it('an explicit librdkafka that cannot be loaded stops the connector before it starts; auto and kafkajs make it', async () => {
    expect(() => make('librdkafka')).toThrow(
      expect.objectContaining({
        code: 'CD_E_KAFKA_NATIVE_UNAVAILABLE',
        message: expect.stringContaining('CROSSDOCK_KAFKA_NATIVE=off'),
      }),
    );
    for (const client of ['auto', 'kafkajs'] as const) {
      const c = make(client);
      expect(c.name).toBe('connector:analytics');
      await c.stop(); // closes its Redis client; nothing was started
    }
  });
});
