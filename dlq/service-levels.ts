import type { DeadLetterSettings } from '../core/config';
import type { DeadLetterRecord } from './contract';

/**
 * Due times of dead letters (deadLetters.serviceLevels): the first entry whose code, event type
 * and subscriber match gives the hours after the failure; none matches: defaultWithinHours.
 * `*` in a code or event type matches any run of characters; an event type matches the record's
 * full name (`com.crossdock.order.OrderReleased`) or its short name (`OrderReleased`).
 */

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return re.test(value);
}

function typeMatches(pattern: string, eventType: string | undefined): boolean {
  if (eventType === undefined) return pattern === '*';
  const short = eventType.slice(eventType.lastIndexOf('.') + 1);
  return globMatch(pattern, eventType) || globMatch(pattern, short);
}

export type DueInput = Pick<DeadLetterRecord, 'code' | 'eventType' | 'subscriber' | 'lastFailedAt'>;

/** The service level entry that applies, or undefined for the default. */
export function serviceLevelOf(
  settings: DeadLetterSettings,
  r: Omit<DueInput, 'lastFailedAt'>,
): DeadLetterSettings['serviceLevels'][number] | undefined {
  return settings.serviceLevels.find(
    (s) =>
      (s.code === undefined || globMatch(s.code, r.code)) &&
      (s.eventType === undefined || typeMatches(s.eventType, r.eventType)) &&
      (s.subscriber === undefined || s.subscriber === r.subscriber),
  );
}

/** When a dead letter is due (epoch ms). */
export function dueAtOf(settings: DeadLetterSettings, r: DueInput): number {
  const hours = serviceLevelOf(settings, r)?.withinHours ?? settings.defaultWithinHours;
  return r.lastFailedAt + Math.round(hours * 3_600_000);
}
