import { defineLogEvents } from '../core/log-events';

/**
 * Log events of the local stack (`crossdock stack up|down`, `crossdock start`, the integration
 * tests' global setup). They go through the stack's Progress (stack/progress.ts): one text line
 * per step on stderr for the CLI. `part` names the stack part (kafka, registry, redis) a line is
 * about; lines about the whole stack have none.
 */
export const STACK_LOG_EVENTS = defineLogEvents({
  'stack.fetching': {
    level: 'info',
    fields: ['part', 'version'],
    description: "A part's distribution is being downloaded from Maven Central (first start only).",
  },
  'stack.fetched': {
    level: 'info',
    fields: ['part', 'files'],
    description: "A part's distribution is downloaded and marked complete.",
  },
  'stack.unpacking': {
    level: 'info',
    fields: ['part'],
    description: "A part's downloaded archive is being unpacked.",
  },
  'stack.storage_reused': {
    level: 'info',
    fields: ['part', 'clusterId'],
    description: 'Kafka starts on its storage formatted by an earlier start (same cluster id and users).',
  },
  'stack.storage_formatting': {
    level: 'info',
    fields: ['part', 'users'],
    description: 'Kafka storage is formatted (KRaft) with the SCRAM users of the demo sites.',
  },
  'stack.starting': {
    level: 'info',
    fields: ['part', 'version', 'port', 'javaMajor'],
    description: 'A part is being started as a detached process of this stack.',
  },
  'stack.cluster_created': {
    level: 'info',
    fields: ['part', 'nodes', 'replicas'],
    description:
      'The Redis Cluster of `stack up --redis-cluster` was created on its fresh nodes (`redis-cli --cluster create`; first start only).',
  },
  'stack.ready': {
    level: 'info',
    fields: ['part'],
    description: 'A part this stack started answers.',
  },
  'stack.acls_ensured': {
    level: 'info',
    fields: ['part', 'acls'],
    description:
      "The PLAINTEXT listener's loopback ACLs (ANONYMOUS, host 127.0.0.1) exist: created as `admin` over the SASL listener, idempotent.",
  },
  'stack.answering': {
    level: 'info',
    fields: ['part', 'endpoint'],
    description: 'A part already answers at its endpoint; the stack leaves it alone.',
  },
  'stack.up': {
    level: 'info',
    fields: ['seconds', 'started'],
    description: 'Every part answers; `started` says whether this run started any.',
  },
  'stack.stopping': {
    level: 'info',
    fields: ['part', 'pid'],
    description: 'A part this stack started is being stopped (by its recorded pid).',
  },
  'stack.purging': {
    level: 'info',
    fields: ['dir'],
    description: "The stack's data folder is being removed (`crossdock stack down --purge`).",
  },
});
