import type { Logger } from './logger';

/**
 * Log events, declared once. Every line the hub logs on purpose is one of these: a stable dotted
 * name (`<part>.<what>`, e.g. `router.claim_waited`), a level, the fields the line carries and a
 * one-sentence description. Each part declares its own list with `defineLogEvents` (in
 * `<part>/log-events.ts`); the hub's assembly collects the lists, docs/observability.md is
 * generated from them and a test keeps the two in step.
 *
 * Contract for fields: a line about one event carries `eventId` and `correlationId`; the names in
 * `fields` are the keys of the object logged (besides `event`, `err` and the logger's bindings).
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogEventSpec {
  readonly level: LogLevel;
  /** Keys of the logged object, besides `event` (always set) and `err` (when an error is logged). */
  readonly fields: readonly string[];
  /** What happened and, for warn and error, what the operator should make of it. */
  readonly description: string;
}

export type LogEventList = Readonly<Record<string, LogEventSpec>>;

const NAME = /^[a-z][a-z0-9]*(\.[a-z][a-z0-9_]*)+$/;

/** Declares a part's log events; refuses names that are not `<part>.<snake_case>`. */
export function defineLogEvents<T extends LogEventList>(events: T): T {
  for (const name of Object.keys(events)) {
    if (!NAME.test(name)) throw new Error(`log event name "${name}" is not <part>.<snake_case>`);
  }
  return Object.freeze(events);
}

/**
 * Typed logger for one part's declared events: `log.emit('router.started', { groupId }, 'router
 * consuming')` writes `{event: 'router.started', groupId, ...}` at the declared level.
 *
 * One convention for every part: `event` is what machines key on (alerts, searches, tests); `msg`
 * is a sentence for people. A call site passes a message only when it says something more specific
 * than the declaration (a library's own message, a count); otherwise the line's message is the
 * event's declared description, so no line's message is just its name.
 */
export interface EventLogger<T extends LogEventList> {
  emit(name: keyof T & string, fields?: Record<string, unknown>, message?: string): void;
  /** Whether a line of this event would be written (skip building costly fields when not). */
  enabled(name: keyof T & string): boolean;
  readonly logger: Logger;
}

export function eventLogger<T extends LogEventList>(logger: Logger, events: T): EventLogger<T> {
  return {
    logger,
    emit(name, fields = {}, message) {
      const spec = events[name];
      if (!spec) throw new Error(`log event "${name}" is not declared`);
      // `event` is the line's first key (after the logger's bindings) and a field cannot replace it.
      logger[spec.level](
        Object.assign({ event: name }, fields, { event: name }),
        message ?? spec.description,
      );
    },
    enabled(name) {
      const spec = events[name];
      return spec !== undefined && logger.isLevelEnabled(spec.level);
    },
  };
}
