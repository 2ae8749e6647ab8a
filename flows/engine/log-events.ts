import { defineLogEvents, eventLogger, type EventLogger } from '../../core/log-events';
import type { Logger } from '../../core/logger';

/** Log events of the flow engine (flows/engine/). */
export const FLOW_LOG_EVENTS = defineLogEvents({
  'flows.alert_published': {
    level: 'info',
    fields: ['alertId', 'kind', 'flow', 'instanceKey', 'step'],
    description: 'A flow alert (FlowAlertRaised) is on the flow alerts topic.',
  },
  'flows.alert_publish_failed': {
    level: 'warn',
    fields: ['alerts', 'err'],
    description:
      'Publishing claimed flow alerts failed (Kafka or the registry did not answer); they stay pending in Redis and the scanner publishes the ones not on the topic once they are older than the grace period.',
  },
  'flows.alerts_recovered': {
    level: 'info',
    fields: ['pending', 'published', 'found'],
    description:
      'Pending flow alerts left by a crash or a failed publish were checked against the flow alerts topic: `found` were there already, `published` were published now.',
  },
  'flows.scan_failed': {
    level: 'warn',
    fields: ['err'],
    description:
      'A pass of the flow deadline scanner failed (Redis or Kafka did not answer); the next pass takes the same deadlines again, nothing is lost.',
  },
  'flows.unknown_flow': {
    level: 'warn',
    fields: ['flow', 'instances'],
    description:
      'Deadlines are due for a flow the configuration no longer has; they stay in Redis until it comes back or their instances expire.',
  },
});

export type FlowLog = EventLogger<typeof FLOW_LOG_EVENTS>;

export function flowLog(logger: Logger): FlowLog {
  return eventLogger(logger, FLOW_LOG_EVENTS);
}
