// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../core/kafkajs-patch';
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import { kafkajsLineEvent } from '../core/kafkajs-lines';
import { defineLogEvents, eventLogger, type EventLogger } from '../core/log-events';
import type { Logger } from '../core/logger';

/**
 * Every line the router logs (core/log-events.ts is the contract). Lines about one event carry
 * its eventId and correlationId; `error` is describeError() of the error at hand.
 */
export const ROUTER_LOG_EVENTS = defineLogEvents({
  'router.started': {
    level: 'info',
    fields: ['instanceId', 'groupId'],
    description: 'The router joined its consumer group and consumes the ingress topics.',
  },
  'router.stopped': {
    level: 'info',
    fields: ['instanceId'],
    description: 'The router stopped: consumer, producers, analysis and Redis connections are closed.',
  },
  'router.topics_added': {
    level: 'info',
    fields: ['topics'],
    description:
      'Topics the router reads created since it subscribed (a site added while it runs, or the flow alerts topic); it subscribes again to consume them.',
  },
  'router.topics_refresh_failed': {
    level: 'warn',
    fields: ['error'],
    description: 'Looking for new topics to read failed; the router tries again at the next refresh.',
  },
  'router.reconfigured': {
    level: 'info',
    fields: ['routes', 'subscribers', 'created'],
    description:
      'A new configuration took effect at a batch boundary: batches from now on are routed by its routes and rules; `created` lists the topics it needed.',
  },
  'router.planned': {
    level: 'debug',
    fields: ['topic', 'partition', 'records', 'valid', 'deadLettered', 'duplicates', 'unrouted', 'copies'],
    description: 'A fetched batch was validated, deduplicated and routed; its transaction is queued.',
  },
  'router.committed': {
    level: 'debug',
    fields: ['batches', 'transactionalId', 'offsets'],
    description:
      'A Kafka transaction holding this many batches (copies and input offsets) committed; `offsets` names, per input partition, the first offset it held and the offset it committed.',
  },
  'router.rebalancing': {
    level: 'debug',
    fields: ['phase'],
    description:
      'The group began a rebalance (`revoke`: batches not yet committed are dropped or aborted) or gave this member its partitions (`assign`).',
  },
  'router.dead_lettered': {
    level: 'warn',
    fields: [
      'eventId',
      'correlationId',
      'code',
      'stage',
      'reason',
      'eventType',
      'topic',
      'partition',
      'offset',
      'details',
    ],
    description:
      'An ingress record was refused and written to the router dead-letter topic; `code` and `reason` say why (docs/errors.md).',
  },
  'router.duplicate': {
    level: 'debug',
    fields: ['eventId', 'correlationId'],
    description: 'An eventId seen before with the same payload was dropped.',
  },
  'router.paused': {
    level: 'warn',
    fields: ['code', 'dependency', 'error'],
    description:
      'A dependency (registry, Redis, an analysis worker) did not answer: the partition is held and its batch retried with backoff; nothing is dead-lettered. Logged once per outage.',
  },
  'router.resumed': {
    level: 'info',
    fields: ['after'],
    description: 'The dependency that paused the router answers again; batches flow.',
  },
  'router.claim_waited': {
    level: 'info',
    fields: ['partition', 'waited', 'ms'],
    description:
      "A partition taken over waited for the previous owner's commit (waited: holder, predecessor, fenced, expired).",
  },
  'router.fenced_producer': {
    level: 'warn',
    fields: ['transactionalId'],
    description:
      "Another instance's commit of a partition this one took over was stuck past fenceAfterMs; its transactional id was fenced.",
  },
  'router.fence_leave_failed': {
    level: 'warn',
    fields: ['error'],
    description:
      'Commit marks could not be lifted after a commit; the next owner waits for them to expire or fences this producer.',
  },
  'router.producer_fenced': {
    level: 'warn',
    fields: ['transactionalId'],
    description:
      "Another instance fenced one of this instance's transactional ids; the producer is replaced.",
  },
  'router.producer_replace_failed': {
    level: 'error',
    fields: ['transactionalId', 'error'],
    description:
      'The replacement of a fenced producer could not be initialised; its next transaction tries again.',
  },
  'router.commit_settled': {
    level: 'warn',
    fields: ['transactionalId', 'outcome', 'error', 'offsets'],
    description:
      "A commit got no answer (`error`); initialising its transactional id again ended the transaction, and the group's committed `offsets` say whether it committed (`outcome`): its partitions are read again from them, so nothing is routed twice.",
  },
  'router.commit_unsettled': {
    level: 'error',
    fields: ['transactionalId', 'error'],
    description:
      "A commit got no answer and Kafka could not say how it ended; its partitions' fence marks stay, so whoever reads them next waits for the transaction to end (or fences it) before it reads the committed offsets.",
  },
  'router.transaction_failed': {
    level: 'error',
    fields: ['error', 'rewind'],
    description: 'A Kafka transaction failed; its partitions are read again from `rewind` (nothing is lost).',
  },
  'router.rewind_skipped': {
    level: 'warn',
    fields: ['error', 'topic', 'partition', 'offset'],
    description:
      "A partition could not be rewound after a failed transaction: the consumer is stopping, or (librdkafka) the partition is no longer this member's; whoever reads it next starts from the commits.",
  },
  'router.consumer_crash': {
    level: 'error',
    fields: ['error', 'restart'],
    description: 'The kafkajs consumer crashed; `restart` says whether kafkajs restarts it.',
  },
  'router.consumer_restart': {
    level: 'error',
    fields: ['error'],
    description:
      'The consumer failed with an error kafkajs deems fatal; it is restarted and /readyz is 503 until a batch commits.',
  },
  'router.worker_failed': {
    level: 'error',
    fields: ['worker', 'why', 'error'],
    description:
      'An analysis worker thread exited or failed with batches pending; they are retried on a new worker (CD_E_ROUTER_WORKER_FAILED).',
  },
  'router.kafkajs_error': {
    level: 'error',
    fields: ['kafkajs'],
    description: 'An error line of the kafkajs client (its message is the line message).',
  },
  'router.kafkajs_warn': {
    level: 'warn',
    fields: ['kafkajs'],
    description: 'A warning line of the kafkajs client (its message is the line message).',
  },
  'router.kafkajs_debug': {
    level: 'debug',
    fields: ['kafkajs', 'expected'],
    description:
      'Any other kafkajs line, and the warnings and errors expected by design (`expected` says which: the routine CONCURRENT_TRANSACTIONS of back-to-back transactions, the coordinator not ready at start-up, the bounded retries of its transactional producers; core/kafkajs-lines.ts).',
  },
});

export type RouterLog = EventLogger<typeof ROUTER_LOG_EVENTS>;

export function routerLog(logger: Logger): RouterLog {
  return eventLogger(logger, ROUTER_LOG_EVENTS);
}

/**
 * kafkajs's lines as router events: errors and warnings keep their level, except those expected
 * by design (core/kafkajs-lines.ts: among them CONCURRENT_TRANSACTIONS, routine with back-to-back
 * transactions and retried at once), which are debug: normal operation logs nothing.
 */
export function routerKafkaLogCreator(log: RouterLog): logCreator {
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const severity = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'other';
      const { name, fields } = kafkajsLineEvent(severity, namespace, entry, {
        expected: 'router.kafkajs_debug',
        error: 'router.kafkajs_error',
        warn: 'router.kafkajs_warn',
        other: 'router.kafkajs_debug',
      });
      if (log.enabled(name)) log.emit(name, fields, entry.message);
    };
}
