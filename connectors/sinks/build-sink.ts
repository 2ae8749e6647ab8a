import { createKafka } from '../../core/kafka';
import type { Sink } from './contract';
import { createHttpSink } from './http-sink';
import { createKafkaSink } from './kafka-sink';
import type { ConnectorDeps, SubscriberRuntimeConfig } from './runtime-config';

/**
 * The subscriber's sink: the injected one (tests, custom sinks), else an HTTP webhook sink or a
 * Kafka sink (on the hub's cluster, or on `sink.brokers` with its own client).
 */
export function buildSink(config: SubscriberRuntimeConfig, deps: ConnectorDeps): Sink {
  if (deps.sink) return deps.sink;
  if (config.sink.kind === 'http')
    return createHttpSink(config.sink, { resolver: deps.resolver, clock: deps.clock });
  const kafka =
    deps.sinkKafka ??
    (config.sink.brokers.length
      ? createKafka({
          clientId: `crossdock-sink-${config.id}`,
          // Another cluster, named by the subscriber's sink: plain connection (no hub credentials).
          connection: { brokers: [...config.sink.brokers] },
          logger: deps.logger,
        })
      : deps.kafka);
  return createKafkaSink(config.sink, { kafka });
}
