import type { FlowDefinition, FlowStep, IngressFact } from '../contract';
import { testCondition, valueAt } from './conditions';

/**
 * Which flow steps an accepted event is (pure). A step matches when the event's type is the
 * step's and every `where` condition holds (the router's condition semantics). Its instance key is
 * the event's correlation id or the value of a field (a dot path; a string, or a finite number
 * written as a string); an event with no key value for a flow is skipped for that flow.
 */
export interface StepMatch {
  flow: FlowDefinition;
  step: FlowStep;
  /** The instance key value. */
  key: string;
}

export interface MatchResult {
  matches: StepMatch[];
  /** Steps the event would be but has no key value for (counted, not tracked). */
  keyless: Array<{ flow: FlowDefinition; step: FlowStep }>;
}

export interface FlowMatcher {
  match(fact: Pick<IngressFact, 'eventType' | 'event' | 'correlationId'>): MatchResult;
}

/** The key value of `step` in `event`, or undefined when it has none. */
export function keyValue(
  step: FlowStep,
  event: unknown,
  correlationId: string | undefined,
): string | undefined {
  if (step.key.kind === 'correlationId') {
    const c = correlationId ?? valueAt(event, 'metadata.correlationId');
    return typeof c === 'string' && c !== '' ? c : undefined;
  }
  const v = valueAt(event, step.key.field);
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Whether every `where` condition of `step` holds for `event`. */
export function stepConditionsHold(step: FlowStep, event: unknown): boolean {
  return step.where.every((c) => testCondition(c, valueAt(event, c.field), `field ${c.field}`) === undefined);
}

export function compileFlowMatcher(flows: readonly FlowDefinition[]): FlowMatcher {
  const byType = new Map<string, Array<{ flow: FlowDefinition; step: FlowStep }>>();
  for (const flow of flows)
    for (const step of flow.steps) {
      let list = byType.get(step.eventType);
      if (!list) byType.set(step.eventType, (list = []));
      list.push({ flow, step });
    }
  return {
    match(fact) {
      const out: MatchResult = { matches: [], keyless: [] };
      const candidates = byType.get(fact.eventType);
      if (!candidates || fact.event === undefined) return out;
      for (const c of candidates) {
        if (!stepConditionsHold(c.step, fact.event)) continue;
        const key = keyValue(c.step, fact.event, fact.correlationId);
        if (key === undefined) out.keyless.push(c);
        else out.matches.push({ ...c, key });
      }
      return out;
    },
  };
}

/**
 * The top-level fields of each event type the flows read (their keys' and conditions' first path
 * segments; `metadata` is always read): what the tracker decodes of an event for the engine. A
 * type no step has reads none but `metadata`.
 */
export function flowEventFields(flows: readonly FlowDefinition[]): (eventType: string) => readonly string[] {
  const byType = new Map<string, Set<string>>();
  for (const flow of flows)
    for (const step of flow.steps) {
      let set = byType.get(step.eventType);
      if (!set) byType.set(step.eventType, (set = new Set()));
      if (step.key.kind === 'field') set.add(step.key.field.split('.')[0]!);
      for (const c of step.where) set.add(c.field.split('.')[0]!);
    }
  const none: readonly string[] = [];
  const lists = new Map([...byType].map(([t, set]) => [t, [...set].sort()] as const));
  return (eventType) => lists.get(eventType) ?? none;
}
