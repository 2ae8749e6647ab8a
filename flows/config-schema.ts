import { CrossdockError } from '../core/errors';
import { formatPath, type FlowDefinition, type FlowKeySource, type Segments } from '../core/config';
import { FIELD_CONDITION_SCHEMA } from '../core/config/route-schema';
import { ID_PATTERN } from '../core/config/schema';
import { formatDuration, parseDuration } from './duration';

/**
 * The `flows:` section of the hub configuration (docs/flows.md, Defining flows): its JSON Schema
 * fragment (placed at the top level by hub/config.ts), the checks a schema cannot make, run on
 * every load with the rest of the file's problems, and its compiled form, HubConfig.flows.
 * The checks that need the event catalog (event types, fields) are in flows/config-check.ts:
 * `crossdock config check` and start-up run them.
 */

/** A dot path into the decoded event, as route field conditions write it. */
const FIELD_PATH_PATTERN = '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$';

const DURATION_TEXT =
  'a whole number and a unit: `s`, `m`, `h` or `d` (`90s`, `30m`, `48h`, `14d`; a day is 24 hours)';

/** `key` of a flow or a step: `correlationId`, or `{ field: <dot path> }`. */
const KEY_SCHEMA = {
  type: ['string', 'object'],
  description:
    'What links the events of one flow instance: `correlationId` (their `metadata.correlationId`) or `{ field: <dot path> }`, a business key read from the decoded event (e.g. `{ field: orderId }`).',
  if: { type: 'string' },
  then: { enum: ['correlationId'] },
  else: {
    type: 'object',
    required: ['field'],
    additionalProperties: false,
    properties: {
      field: {
        type: 'string',
        pattern: FIELD_PATH_PATTERN,
        description: 'Dot path into the decoded event (e.g. `orderId`, `metadata.correlationId`).',
      },
    },
  },
} as const;

const STEP_SCHEMA = {
  type: 'object',
  required: ['eventType'],
  additionalProperties: false,
  properties: {
    eventType: {
      type: 'string',
      minLength: 1,
      description:
        'The event type of this step (catalog name, e.g. `ShipmentConfirmed`); a type appears once in a flow.',
    },
    within: {
      type: 'string',
      description: `Required from the second step on (the first starts the instance and has none): how long after the previous step's event (its occurredAt) this step is due; ${DURATION_TEXT}.`,
    },
    withinBySiteGroup: {
      type: 'object',
      propertyNames: { pattern: ID_PATTERN },
      additionalProperties: { type: 'string' },
      description:
        "Site group → deadline, where sites legitimately differ; an instance takes the entry of its site's first group (in the site's `groups` order) that has one, else `within`.",
    },
    where: {
      type: 'array',
      minItems: 1,
      description:
        "Conditions the step's event must all meet to count as this step, in the shape and with the meaning of routes' `match.fields` (e.g. `{ field: totalAmount, range: { lt: 0 } }`).",
      items: FIELD_CONDITION_SCHEMA,
    },
    key: {
      ...KEY_SCHEMA,
      description: "This step's events' key when it is not the flow's (e.g. `{ field: orderId }`).",
    },
  },
} as const;

const FLOW_SCHEMA = {
  type: 'object',
  required: ['name', 'steps'],
  additionalProperties: false,
  properties: {
    name: {
      type: 'string',
      pattern: ID_PATTERN,
      description: 'Unique flow name: in alerts, metrics and scorecards.',
    },
    description: { type: 'string', description: 'What the flow promises, for people.' },
    key: { ...KEY_SCHEMA, default: 'correlationId' },
    expireAfter: {
      type: 'string',
      default: '14d',
      description: `How long an instance is kept after its first event; one not complete by then is counted incomplete (a FLOW_INCOMPLETE alert). At least the steps' deadlines added up; ${DURATION_TEXT}.`,
    },
    steps: {
      type: 'array',
      minItems: 2,
      description: 'The event types of the flow, in order; the first one starts an instance.',
      items: STEP_SCHEMA,
    },
  },
} as const;

/** The `flows` section's JSON Schema fragment (PartConfigFragments.flows). */
export const FLOWS_CONFIG_SCHEMA = {
  type: 'array',
  default: [],
  description:
    'Business flows the flow tracker follows: each an ordered list of event types linked by correlation id or a business key, with a deadline per step (docs/flows.md, Defining flows).',
  items: FLOW_SCHEMA,
} as const;

type Obj = Record<string, unknown>;
type Problem = { segments: Segments; message: string };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Array<Obj | undefined> =>
  Array.isArray(v) ? v.map((x) => (isObj(x) ? x : undefined)) : [];

/**
 * What the schema cannot say about `flows:`: durations that do not parse, duplicate names, a first
 * step with a deadline or a later one without, an event type twice in a flow, an expiry shorter
 * than the deadlines. Runs on any parsed document, valid or not, so its findings join the schema's
 * in one report. (The site id the flow alerts take, HUB_SITE_ID, is refused by core/config's
 * cross-references.)
 */
export function flowsDocumentProblems(raw: unknown): Problem[] {
  const doc = isObj(raw) ? raw : {};
  const out: Problem[] = [];
  const names = new Map<string, number>();
  objects(doc.flows).forEach((flow, i) => {
    if (!flow) return;
    const at: Segments = ['flows', i];
    if (typeof flow.name === 'string') {
      const first = names.get(flow.name);
      if (first !== undefined)
        out.push({
          segments: [...at, 'name'],
          message: `duplicate flow name "${flow.name}" (first at ${formatPath(['flows', first, 'name'])})`,
        });
      else names.set(flow.name, i);
    }
    out.push(...flowProblems(flow, at));
  });
  return out;
}

/** A duration's problem at `at`, or its ms. Non-strings are the schema's to report. */
function duration(value: unknown, at: Segments, out: Problem[]): number | undefined {
  if (typeof value !== 'string') return undefined;
  const d = parseDuration(value);
  if ('error' in d) {
    out.push({ segments: at, message: d.error });
    return undefined;
  }
  return d.ms;
}

function flowProblems(flow: Obj, at: Segments): Problem[] {
  const out: Problem[] = [];
  const name = typeof flow.name === 'string' ? flow.name : formatPath(at);
  const expireMs = duration(flow.expireAfter, [...at, 'expireAfter'], out);
  const typeAt = new Map<string, number>();
  // The longest deadline of each step (over its site groups): their sum is the latest a last step
  // can be due after the first event.
  let longest = 0;
  let allKnown = true;
  objects(flow.steps).forEach((step, j) => {
    if (!step) return;
    const sAt: Segments = [...at, 'steps', j];
    if (typeof step.eventType === 'string') {
      const first = typeAt.get(step.eventType);
      if (first !== undefined)
        out.push({
          segments: [...sAt, 'eventType'],
          message: `${step.eventType} is already step ${first} of flow ${name}: an event type may appear in a flow once`,
        });
      else typeAt.set(step.eventType, j);
    }
    if (j === 0) {
      for (const k of ['within', 'withinBySiteGroup'])
        if (step[k] !== undefined)
          out.push({
            segments: [...sAt, k],
            message: `the first step starts an instance of flow ${name} and has no deadline: remove \`${k}\``,
          });
      return;
    }
    let stepLongest: number | undefined;
    if (step.within === undefined) {
      out.push({
        segments: [...sAt, 'within'],
        message: `is required from the second step on: how long after the previous step this step of flow ${name} is due (e.g. 48h)`,
      });
      allKnown = false;
    } else stepLongest = duration(step.within, [...sAt, 'within'], out);
    if (stepLongest === undefined) allKnown = false;
    if (isObj(step.withinBySiteGroup))
      for (const [group, value] of Object.entries(step.withinBySiteGroup)) {
        const ms = duration(value, [...sAt, 'withinBySiteGroup', group], out);
        if (ms === undefined) allKnown = false;
        else stepLongest = Math.max(stepLongest ?? 0, ms);
      }
    longest += stepLongest ?? 0;
  });
  if (expireMs !== undefined && allKnown && longest > expireMs)
    out.push({
      segments: [...at, 'expireAfter'],
      message: `${JSON.stringify(flow.expireAfter)} is shorter than the longest deadlines of flow ${name} added up (${formatDuration(longest)}): an instance would expire before its last step is due; make expireAfter at least that`,
    });
  return out;
}

function compileKey(raw: unknown): FlowKeySource {
  if (isObj(raw) && typeof raw.field === 'string') return { kind: 'field', field: raw.field };
  return { kind: 'correlationId' };
}

function ms(value: unknown, what: string): number {
  const d = parseDuration(value);
  if ('error' in d)
    throw new CrossdockError('CD_E_CONFIG_INVALID', `${what}: ${d.error}`, { details: { value } });
  return d.ms;
}

/**
 * HubConfig.flows from the `flows` section of a document that passed the schema and
 * flowsDocumentProblems (defaults applied): durations in ms, each step's key resolved (the flow's
 * unless it overrides it), `where` always a list.
 * @throws CrossdockError CD_E_CONFIG_INVALID when a duration does not parse (a document that
 * skipped the checks)
 */
export function compileFlows(raw: unknown): FlowDefinition[] {
  return objects(raw).map((flow, i) => {
    if (!flow) throw new CrossdockError('CD_E_CONFIG_INVALID', `flows[${i}] is not an object`);
    const name = String(flow.name);
    const flowKey = compileKey(flow.key);
    const steps = objects(flow.steps).map((step, j) => {
      const s = step ?? {};
      const byGroup: Record<string, number> = {};
      if (j > 0 && isObj(s.withinBySiteGroup))
        for (const [group, value] of Object.entries(s.withinBySiteGroup))
          byGroup[group] = ms(value, `flows[${i}].steps[${j}].withinBySiteGroup.${group}`);
      return {
        index: j,
        eventType: String(s.eventType),
        key: s.key === undefined ? flowKey : compileKey(s.key),
        withinMs: j === 0 ? 0 : ms(s.within, `flows[${i}].steps[${j}].within`),
        withinBySiteGroup: byGroup,
        where: Array.isArray(s.where)
          ? (structuredClone(s.where) as FlowDefinition['steps'][number]['where'])
          : [],
      };
    });
    return {
      name,
      ...(typeof flow.description === 'string' ? { description: flow.description } : {}),
      steps,
      expireAfterMs: ms(flow.expireAfter ?? '14d', `flows[${i}].expireAfter`),
    };
  });
}
