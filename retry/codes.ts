import { defineCodes } from '../core/errors';

/** Error codes of the delivery part. Add each new code here with its meaning and action. */
export const DELIVERY_CODES = defineCodes({
  CD_E_DELIVERY_TIMEOUT: {
    meaning: 'The subscriber did not answer within the configured timeout.',
    action:
      'Nothing: the delivery is retried. If it keeps happening, raise sink.timeoutMs or check the receiver.',
    retriable: true,
  },
  CD_E_DELIVERY_CONNECTION: {
    meaning: 'The subscriber could not be reached (connection refused, reset, DNS).',
    action:
      'Nothing: the delivery is retried and the circuit breaker pauses the subscriber while it is down.',
    retriable: true,
  },
  CD_E_DELIVERY_SERVER_ERROR: {
    meaning: 'The subscriber answered with a 5xx status.',
    action: 'Nothing: the delivery is retried. Check the receiver logs if it does not recover.',
    retriable: true,
  },
  CD_E_DELIVERY_THROTTLED: {
    meaning: 'The subscriber answered 429 or 408; its Retry-After (when present) sets the next attempt.',
    action: 'Nothing: the delivery is retried later. Lower delivery.rateLimit if it is frequent.',
    retriable: true,
  },
  CD_E_REDIS_REPLICA_SHORT: {
    meaning:
      'With redis.waitReplicas set, an event put into retry or parked behind its key was written to Redis but fewer replicas than asked acknowledged it in time (redis.waitTimeoutMs): a failover could lose it, so it is not settled and its partition is read again.',
    action:
      'Nothing while a replica catches up (the event is retried through Kafka, never lost). If it lasts, look at the Redis replicas (INFO replication); lower redis.waitReplicas to run on without them.',
    retriable: true,
  },
  CD_E_DELIVERY_REJECTED: {
    meaning:
      'The subscriber refused the event with a 4xx status (other than 408 and 429): it will not accept it as is.',
    action: 'Inspect the dead letter and the receiver answer; fix the data or the receiver, then replay.',
    retriable: false,
  },
  CD_E_DELIVERY_UNDECODABLE: {
    meaning:
      'The event could not be decoded into the JSON body the subscriber asked for (unknown schema id, bad bytes).',
    action: 'Inspect the dead letter; check the registry holds the schema, then replay.',
    retriable: false,
  },
  CD_E_DELIVERY_RETRIES_EXHAUSTED: {
    meaning: 'A transient failure lasted longer than the retry policy allows (max attempts or max age).',
    action:
      'Check the receiver, then replay the dead letter; raise delivery.retry limits if the outage was expected.',
    retriable: false,
  },
  CD_E_DELIVERY_KAFKA_SINK: {
    meaning: 'Producing the event to the Kafka sink topic failed (broker unavailable, timeout).',
    action: 'Nothing: the delivery is retried. Check the target cluster if it does not recover.',
    retriable: true,
  },
  CD_E_DELIVERY_KAFKA_SINK_REJECTED: {
    meaning:
      'The Kafka sink cluster refused the event for good (topic missing, not authorised, message too large).',
    action: 'Fix the sink topic or its permissions, then replay the dead letter.',
    retriable: false,
  },
  CD_E_DELIVERY_STATE_UNAVAILABLE: {
    meaning: 'Redis (retry, idempotency and rate-limit state) did not answer.',
    action: 'Nothing is committed meanwhile; check Redis. Delivery resumes when it answers.',
    retriable: true,
  },
  CD_E_DELIVERY_NO_EVENT_ID: {
    meaning:
      'A record on a deliver topic has no eventId: no ce_id header, and its value is not a canonical event whose metadata names one. Identity never comes from a topic position, so it is not delivered.',
    action:
      'Find who wrote it to the deliver topic (only the router should: cd-original-topic says where it was read). Events from sites reach subscribers through the router, which stamps ce_id.',
    retriable: false,
  },
  CD_E_DELIVERY_STATE_FULL: {
    meaning:
      "A subscriber's Redis state reached a bound of delivery.capacity (maxHeldEvents in retry or parked, or maxParkedPerKey behind one business key), so a new event was not taken into it. Its offset is not committed: the partition pauses and reads it again after a pause, so Kafka keeps it and nothing is lost.",
    action:
      'Usually the subscriber is failing for long: check it (crossdock_delivery_held_events, the breaker). Raise delivery.capacity if Redis has the memory (docs/operations.md gives bytes per event); delivery resumes by itself as held events drain.',
    retriable: true,
  },
  CD_E_DELIVERY_UNKNOWN_SUBSCRIBER: {
    meaning: 'The configuration has no subscriber with the given id, or its sink section is incomplete.',
    action: 'Check the subscriber id and its sink/delivery sections in the hub configuration.',
    retriable: false,
  },
});

export type DeliveryCode = keyof typeof DELIVERY_CODES;
