/**
 * JSON schemas of the admin API's requests and answers. Requests are validated with them (an
 * unknown field is an error, not dropped); answers are described for the OpenAPI document
 * (@fastify/swagger builds it from these) but serialized as they are, so a field the document
 * does not list is never lost.
 */
import { DEAD_LETTER_STATES } from '../contract';

const STRING = { type: 'string', minLength: 1, maxLength: 200 } as const;
const TIME_TEXT = {
  type: 'string',
  description: 'ISO 8601 date or date-time, epoch milliseconds, or a duration ago (30m, 2h, 7d).',
} as const;
const TIME = { type: ['string', 'number'], description: TIME_TEXT.description } as const;
const EPOCH_MS = { type: 'integer', description: 'Epoch milliseconds.' } as const;

/** `<topic>:<partition>:<offset>`: a topic name never holds ':'. */
export const DEAD_LETTER_ID = {
  type: 'string',
  pattern: '^[a-zA-Z0-9._-]{1,249}:[0-9]{1,10}:[0-9]{1,19}$',
  description: 'A dead letter: `<topic>:<partition>:<offset>` of its record on the dead-letter topic.',
} as const;

export const ERROR = {
  description: 'Why it was not done. `code` is stable (docs/errors.md).',
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retriable: { type: 'boolean' },
    details: { type: 'object', additionalProperties: true },
  },
  required: ['code', 'message'],
} as const;

/** Every error answer an operation may give. */
export const ERRORS = {
  400: ERROR,
  401: ERROR,
  403: ERROR,
  404: ERROR,
  409: ERROR,
  422: ERROR,
  500: ERROR,
  503: ERROR,
} as const;

const FILTER_PROPS = {
  subscriber: { ...STRING, description: 'The subscriber that failed (delivery dead letters).' },
  site: { ...STRING, description: 'The site the event came from.' },
  code: { ...STRING, description: 'Error code (CD_E_…).' },
  eventType: { ...STRING, description: 'Canonical event type.' },
  state: { type: 'string', enum: [...DEAD_LETTER_STATES], description: 'Work state.' },
  group: { ...STRING, description: 'Incident group key (from GET /dlq/groups).' },
} as const;

/** Query of GET /dlq. */
export const LIST_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...FILTER_PROPS,
    since: { ...TIME_TEXT, description: `Last failure at or after. ${TIME_TEXT.description}` },
    until: { ...TIME_TEXT, description: `Last failure at or before. ${TIME_TEXT.description}` },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    cursor: { type: 'string', maxLength: 500, description: '`next` of the previous page.' },
  },
} as const;

/** A filter in a request body (every given condition must hold). */
export const FILTER = {
  type: 'object',
  additionalProperties: false,
  properties: { ...FILTER_PROPS, since: TIME, until: TIME },
} as const;

/** DeadLetterSelector: ids, or a filter with at least one condition. */
export const SELECTOR = {
  type: 'object',
  additionalProperties: false,
  description: 'Which dead letters: `ids`, or a `filter` with at least one condition (not both).',
  properties: {
    ids: { type: 'array', minItems: 1, maxItems: 100000, items: DEAD_LETTER_ID },
    filter: FILTER,
  },
} as const;

const NOTE = {
  type: 'object',
  properties: { at: EPOCH_MS, by: { type: 'string' }, text: { type: 'string' } },
} as const;

export const RECORD = {
  type: 'object',
  description: 'One indexed dead letter (dlq/contract.ts DeadLetterRecord).',
  additionalProperties: true,
  properties: {
    id: DEAD_LETTER_ID,
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'string' },
    kind: { type: 'string', enum: ['router', 'deliver'] },
    code: { type: 'string' },
    message: { type: 'string' },
    stage: { type: 'string' },
    site: { type: 'string' },
    subscriber: { type: 'string' },
    eventType: { type: 'string' },
    schemaId: { type: 'integer' },
    schemaVersion: { type: 'integer' },
    eventId: { type: 'string' },
    correlationId: { type: 'string' },
    attempts: { type: 'integer' },
    firstFailedAt: EPOCH_MS,
    lastFailedAt: EPOCH_MS,
    replayOf: { type: 'string' },
    replayCount: { type: 'integer' },
    group: { type: 'string' },
    state: { type: 'string', enum: [...DEAD_LETTER_STATES] },
    owner: { type: 'string' },
    dueAt: EPOCH_MS,
    notes: { type: 'array', items: NOTE },
    replays: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const PAGE = {
  type: 'object',
  properties: {
    items: { type: 'array', items: RECORD },
    total: { type: 'integer' },
    next: { type: 'string', description: 'Cursor of the next page; absent on the last.' },
  },
} as const;

export const GROUPS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subscriber: FILTER_PROPS.subscriber,
    site: FILTER_PROPS.site,
    code: FILTER_PROPS.code,
    open: { type: 'boolean', description: 'Only groups with open (new, claimed) dead letters.' },
  },
} as const;

export const GROUPS = {
  type: 'object',
  properties: {
    groups: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          group: { type: 'string' },
          code: { type: 'string' },
          site: { type: 'string' },
          subscriber: { type: 'string' },
          schemaVersion: { type: 'integer' },
          eventType: { type: 'string' },
          count: { type: 'integer' },
          open: { type: 'integer' },
          firstSeen: EPOCH_MS,
          lastSeen: EPOCH_MS,
        },
      },
    },
  },
} as const;

export const QUEUE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    owner: { ...STRING, description: 'Only items of this owner.' },
    subscriber: FILTER_PROPS.subscriber,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  },
} as const;

export const QUEUE = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          id: DEAD_LETTER_ID,
          dueAt: EPOCH_MS,
          overdue: { type: 'boolean' },
          state: { type: 'string' },
          owner: { type: 'string' },
          code: { type: 'string' },
          subscriber: { type: 'string' },
          site: { type: 'string' },
          eventType: { type: 'string' },
          lastFailedAt: EPOCH_MS,
        },
      },
    },
    summary: {
      type: 'object',
      additionalProperties: true,
      properties: {
        open: { type: 'integer' },
        overdue: { type: 'integer' },
        oldestOpenAt: EPOCH_MS,
        depth: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              subscriber: { type: 'string' },
              code: { type: 'string' },
              open: { type: 'integer' },
            },
          },
        },
      },
    },
  },
} as const;

export const ID_PARAMS = {
  type: 'object',
  properties: { id: DEAD_LETTER_ID },
  required: ['id'],
} as const;

export const SHOWN = {
  type: 'object',
  description:
    'The record, its reason, attempt history, headers, key, and the event decoded through the registry (personal fields masked below admin; hex of the bytes when it does not decode).',
  additionalProperties: true,
  properties: {
    record: RECORD,
    reason: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, stage: { type: 'string' } },
    },
    history: { type: 'object', additionalProperties: true },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    key: { type: ['string', 'null'] },
    event: {
      type: 'object',
      additionalProperties: true,
      properties: {
        decoded: { type: 'boolean' },
        masked: { type: 'string', enum: ['none', 'personal-fields', 'withheld', 'bytes'] },
      },
    },
  },
} as const;

const WORK_ITEM = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    ok: { type: 'boolean' },
    state: { type: 'string' },
    owner: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

export const WORK_RESULT = {
  type: 'object',
  description:
    'One result per selected dead letter: applied, or refused with a code (CD_E_DLQ_STATE_INVALID…).',
  properties: {
    op: { type: 'string' },
    selected: { type: 'integer' },
    applied: { type: 'integer' },
    refused: { type: 'integer' },
    items: { type: 'array', items: WORK_ITEM },
  },
} as const;

const body = (extra: Record<string, unknown>, required: string[]) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { selector: SELECTOR, ...extra },
    required: ['selector', ...required],
  }) as const;

const TEXT = { type: 'string', minLength: 1, maxLength: 2000 } as const;

export const CLAIM_BODY = body({}, []);
export const ASSIGN_BODY = body(
  {
    owner: {
      type: 'string',
      maxLength: 200,
      description: "The new owner (a token name or a person); '' gives them back (state new).",
    },
  },
  ['owner'],
);
export const NOTE_BODY = body({ text: TEXT }, ['text']);
export const RESOLVE_BODY = body({ note: TEXT }, []);
export const DISCARD_BODY = body({ reason: TEXT }, ['reason']);
export const REPLAY_BODY = body(
  {
    dryRun: {
      type: 'boolean',
      default: false,
      description: 'true: predict, per dead letter, what a replay would do now; change nothing (viewer may).',
    },
    ratePerSecond: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'Events per second, at most deadLetters.replay.ratePerSecond (its default).',
    },
  },
  [],
);

const JOB = {
  type: 'object',
  additionalProperties: true,
  description: 'A replay job (dlq/contract.ts ReplayJob).',
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['running', 'paused', 'cancelled', 'done', 'failed'] },
    selector: SELECTOR,
    ratePerSecond: { type: 'number' },
    total: { type: 'integer' },
    done: { type: 'integer' },
    sent: { type: 'integer' },
    skipped: { type: 'integer' },
    refused: { type: 'integer' },
    createdAt: EPOCH_MS,
    createdBy: { type: 'string' },
    updatedAt: EPOCH_MS,
    error: { type: 'string' },
  },
} as const;

export const REPLAY_RESULT = {
  type: 'object',
  additionalProperties: true,
  description:
    'dryRun: the predictions, one per dead letter, and their outcomes counted; else the job started.',
  properties: {
    dryRun: { type: 'boolean' },
    predictions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          id: { type: 'string' },
          eventId: { type: 'string' },
          outcome: { type: 'string', enum: ['deliver', 'route', 'unrouted', 'skip', 'fail', 'refused'] },
          subscribers: { type: 'array', items: { type: 'string' } },
          routes: { type: 'object', additionalProperties: { type: 'string' } },
          code: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
    outcomes: { type: 'object', additionalProperties: { type: 'integer' } },
    job: JOB,
  },
} as const;

export const JOBS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } },
} as const;

export const JOBS = { type: 'object', properties: { jobs: { type: 'array', items: JOB } } } as const;
export const JOB_RESULT = JOB;

export const JOB_PARAMS = {
  type: 'object',
  properties: { jobId: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['jobId'],
} as const;

export const EMPTY_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {},
  description: 'No fields (an empty JSON object, or no body).',
} as const;

export const REINDEX_RESULT = {
  type: 'object',
  properties: {
    letters: { type: 'integer', description: 'Dead letters indexed from the topics.' },
    states: { type: 'integer', description: 'Operators’ states restored from the state topic.' },
  },
} as const;

export const TRACE_PARAMS = {
  type: 'object',
  properties: { eventId: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['eventId'],
} as const;

export const TRACE = {
  type: 'object',
  additionalProperties: true,
  description: 'Where the event is (dlq/contract.ts EventTrace).',
  properties: {
    eventId: { type: 'string' },
    accepted: { type: 'object', additionalProperties: true },
    routed: { type: 'array', items: { type: 'object', additionalProperties: true } },
    rejected: { type: 'array', items: { type: 'object', additionalProperties: true } },
    subscribers: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

export const AUDIT_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    who: { ...STRING, description: 'Token name.' },
    op: { ...STRING, description: 'An operation (dlq.discard) or its family (dlq).' },
    since: { ...TIME_TEXT, description: `Records at or after. ${TIME_TEXT.description}` },
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 50 },
  },
} as const;

export const AUDIT = {
  type: 'object',
  properties: {
    records: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          at: EPOCH_MS,
          who: { type: 'string' },
          role: { type: 'string', enum: ['viewer', 'operator', 'admin'] },
          op: { type: 'string' },
          selector: {},
          count: { type: 'integer' },
          refused: { type: 'integer' },
          result: { type: 'string', enum: ['ok', 'refused', 'failed'] },
          code: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Query of GET /sites/scorecard. */
export const SCORECARD_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    site: {
      ...STRING,
      description: 'Only this site (404 CD_E_SCORECARD_SITE_NOT_FOUND when the hub knows no such site).',
    },
    since: {
      ...TIME_TEXT,
      description: `Start of the period (default 24h ago), rounded down to its UTC hour: ${TIME_TEXT.description}`,
    },
    until: {
      ...TIME_TEXT,
      description: `End of the period (default now), rounded up to the end of its UTC hour: ${TIME_TEXT.description}`,
    },
  },
} as const;

const NULLABLE_NUMBER = { type: 'number', nullable: true } as const;

/** One site's scorecard (flows/contract.ts SiteScorecard; docs/flows.md "Site scorecards"). */
const SCORECARD = {
  type: 'object',
  required: ['siteId', 'from', 'to', 'accepted', 'rejected', 'conformance'],
  properties: {
    siteId: { type: 'string' },
    from: EPOCH_MS,
    to: EPOCH_MS,
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    duplicates: { type: 'integer' },
    rejectedBy: {
      type: 'array',
      items: {
        type: 'object',
        properties: { code: { type: 'string' }, rule: { type: 'string' }, count: { type: 'integer' } },
      },
    },
    deprecated: { type: 'integer' },
    deprecatedShare: NULLABLE_NUMBER,
    versions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          eventType: { type: 'string' },
          version: { type: 'integer' },
          deprecated: { type: 'boolean' },
          count: { type: 'integer' },
        },
      },
    },
    flows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          flow: { type: 'string' },
          started: { type: 'integer' },
          completed: { type: 'integer' },
          completedOnTime: { type: 'integer' },
          incomplete: { type: 'integer' },
          completionRate: NULLABLE_NUMBER,
          outOfOrder: { type: 'integer' },
          duplicates: { type: 'integer' },
          alerts: { type: 'integer' },
          steps: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                step: { type: 'string' },
                stepIndex: { type: 'integer' },
                arrived: { type: 'integer' },
                onTime: { type: 'integer' },
                p50Ms: NULLABLE_NUMBER,
                p95Ms: NULLABLE_NUMBER,
                withinMs: { type: 'integer' },
              },
            },
          },
        },
      },
    },
    mappingVariant: { type: 'string' },
    lastEventAt: { ...EPOCH_MS, nullable: true },
    conformance: {
      type: 'number',
      description: 'accepted share × (1 − deprecated share) × on-time flow share, 0..1',
    },
    configured: { type: 'boolean', description: 'false: a site with figures that is no longer configured' },
  },
} as const;

/** Answer of GET /sites/scorecard. */
export const SCORECARDS = {
  type: 'object',
  required: ['scorecards'],
  properties: { scorecards: { type: 'array', items: SCORECARD } },
} as const;

/** Answer of GET /catalog (schemas/ CatalogEntry without the schemas themselves). */
export const CATALOG = {
  type: 'object',
  required: ['eventTypes'],
  properties: {
    eventTypes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['eventType', 'subject', 'versions', 'personalDataFields'],
        properties: {
          eventType: { type: 'string' },
          subject: { type: 'string', description: 'Registry subject: the record full name.' },
          domain: { type: 'string' },
          owner: { type: 'string' },
          description: { type: 'string' },
          keyFields: { type: 'array', items: { type: 'string' } },
          compatibility: { type: 'string' },
          tier: { type: 'string' },
          personalDataFields: {
            type: 'array',
            items: { type: 'string' },
            description: 'Paths of fields marked personal (masked for viewers and operators).',
          },
          versions: {
            type: 'array',
            description: 'Oldest first.',
            items: {
              type: 'object',
              required: ['version', 'status'],
              properties: {
                version: { type: 'integer' },
                status: { type: 'string', enum: ['active', 'deprecated', 'retired'] },
                since: { type: 'string', description: 'YYYY-MM-DD the version became active.' },
                retireAfter: { type: 'string', description: 'YYYY-MM-DD after which producers must stop.' },
                file: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

/** Answer of GET /flows (flows/ FlowSummary). */
export const FLOWS = {
  type: 'object',
  required: ['flows'],
  properties: {
    flows: {
      type: 'array',
      description: 'Empty when the hub configuration has no flows.',
      items: {
        type: 'object',
        properties: {
          flow: { type: 'string' },
          open: { type: 'integer', description: 'Instances started and neither complete nor expired.' },
          overdue: { type: 'integer', description: 'Open instances whose missing step is past due.' },
        },
      },
    },
  },
} as const;

/** Query of GET /flows/overdue. */
export const OVERDUE_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
} as const;

/** Answer of GET /flows/overdue (flows/ OverdueInstance). */
export const OVERDUE = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          flow: { type: 'string' },
          key: { type: 'string' },
          siteId: { type: 'string' },
          step: { type: 'string', description: 'The missing step (event type).' },
          stepIndex: { type: 'integer' },
          dueAt: EPOCH_MS,
          alertId: {
            type: 'string',
            description: 'Its STEP_LATE alert: also the eventId of the FlowAlertRaised event.',
          },
        },
      },
    },
  },
} as const;

export const FLOW_PARAMS = {
  type: 'object',
  required: ['flow', 'key'],
  properties: {
    flow: { type: 'string', minLength: 1, maxLength: 200 },
    key: { type: 'string', minLength: 1, maxLength: 1000 },
  },
} as const;

/** Answer of GET /flows/{flow}/{key} (flows/contract.ts FlowInstance). */
export const FLOW_INSTANCE = {
  type: 'object',
  properties: {
    flow: { type: 'string' },
    key: { type: 'string' },
    siteId: { type: 'string' },
    startedAt: EPOCH_MS,
    complete: { type: 'boolean' },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          eventType: { type: 'string' },
          eventId: { type: 'string', description: 'Absent: the step has not arrived.' },
          at: EPOCH_MS,
          dueAt: EPOCH_MS,
          late: { type: 'boolean' },
        },
      },
    },
    alerts: {
      type: 'array',
      items: { type: 'string' },
      description: 'Alert ids (eventIds of FlowAlertRaised).',
    },
  },
} as const;
