/**
 * `hub.overview` (GET /api/v1/overview): the live figures of the hub process that serves the API,
 * as sites → router → subscribers. The API only serves it: the composition root builds it from
 * what the process already has (hub/overview.ts: the health server's /status and metrics, the
 * configuration in force, the dead-letter index's counts) and injects it (AdminApiDeps.overview).
 *
 * Each site, the router and each subscriber carries a `state` and, unless ok, a `reason` in
 * words: `bad` needs someone now (breaker open, consumer not consuming, component not running),
 * `warn` is worth a look (dead letters rising, events in retry, a site quiet for long).
 *
 * Counts only, no event data: it is not audited when it succeeds (a console tab polls it every
 * few seconds); refusals are (docs/operations.md, "The audit trail").
 */

export type OverviewState = 'ok' | 'warn' | 'bad';

/** Dead letters of the index that concern a site (router's) or a subscriber. */
export interface OverviewDeadLetters {
  /** Still open (new, claimed). */
  open: number;
  /** Every one indexed, open or not. */
  total: number;
}

export interface OverviewSite {
  id: string;
  name?: string;
  /** The site's connector kind: `http`, `csv` or `sdk`. */
  kind: string;
  /** Records the router read from the site since this process started. */
  eventsIn: number;
  /** Events per second over the rate window; null before the first window. */
  eventsPerSecond: number | null;
  /** Epoch ms of the newest event seen from the site (last 24 hours), null when none. */
  lastEventAt: number | null;
  /** The router's dead letters of this site (validation, mapping, rules); null when the index did not answer. */
  deadLetters: OverviewDeadLetters | null;
  state: OverviewState;
  reason?: string;
}

export interface OverviewRouter {
  /** The router component started and its fetch loop is healthy. */
  running: boolean;
  /** Ingress records not yet read, summed over its partitions (as of its last batch). */
  lag: number;
  eventsIn: number;
  eventsPerSecond: number | null;
  duplicates: number;
  /** Dead letters the router wrote since this process started. */
  deadLettered: number;
  routes: Array<{ name: string; to: string[] }>;
  state: OverviewState;
  reason?: string;
}

export interface OverviewSubscriber {
  id: string;
  /** The sink kind (`http`, `kafka`). */
  kind: string;
  /** Names of the routes that send to it. */
  routes: string[];
  /** The connector's consumer runs; null when the process has no status for it. */
  consuming: boolean | null;
  delivered: number;
  deliveredPerSecond: number | null;
  failures: number;
  /** Dead letters its connector wrote since this process started. */
  deadLettered: number;
  /** Its dead letters in the index; null when the index did not answer. */
  deadLetters: OverviewDeadLetters | null;
  inRetry: number;
  /** Events parked behind an earlier event of their key. */
  parked: number;
  /** Business keys held after their head was dead-lettered. */
  heldKeys: number;
  /** Events on its deliver topic past the committed offsets; null when unknown. */
  lag: number | null;
  breaker: 'closed' | 'half-open' | 'open' | 'unknown';
  /** While open: ms until the next probe. */
  breakerRetryInMs: number;
  /** When the breaker last changed state (ISO), when known. */
  breakerSince?: string;
  /** The last failed delivery attempt: its code, class and time. */
  lastError?: { code: string; class?: string; at: string };
  state: OverviewState;
  reason?: string;
}

export interface OverviewDependency {
  name: string;
  up: boolean;
  checkedAt?: string | null;
  latencyMs?: number;
  lastError?: string;
  downSince?: string;
}

export interface OverviewDoc {
  /** Epoch ms of the figures. */
  at: number;
  /** The span the rates are over (seconds); null for the first read (no earlier sample). */
  rateWindowSeconds: number | null;
  /** What /readyz answers for this process. */
  ready: boolean;
  dependencies: OverviewDependency[];
  sites: OverviewSite[];
  router: OverviewRouter;
  subscribers: OverviewSubscriber[];
  /**
   * The whole index: open, overdue, and the oldest open one's last failure (epoch ms); null when
   * the index did not answer (Redis down: the rest of the overview still answers).
   */
  deadLetters: { open: number; overdue: number; oldestOpenAt?: number } | null;
  /** Why the index's figures are missing, when they are. */
  indexError?: string;
}

const STATE = { type: 'string', enum: ['ok', 'warn', 'bad'] } as const;
const RATE = { type: 'number', nullable: true } as const;
const DEAD = {
  type: 'object',
  nullable: true,
  required: ['open', 'total'],
  properties: { open: { type: 'integer' }, total: { type: 'integer' } },
} as const;

/** The answer's JSON schema (documentation in the OpenAPI document; answers are sent as they are). */
export const OVERVIEW_SCHEMA = {
  type: 'object',
  required: [
    'at',
    'rateWindowSeconds',
    'ready',
    'dependencies',
    'sites',
    'router',
    'subscribers',
    'deadLetters',
  ],
  properties: {
    at: { type: 'integer', description: 'Epoch ms of the figures' },
    rateWindowSeconds: { ...RATE, description: 'The span the rates are over; null for the first read' },
    ready: { type: 'boolean' },
    dependencies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'up'],
        properties: {
          name: { type: 'string' },
          up: { type: 'boolean' },
          checkedAt: { type: 'string', nullable: true },
          latencyMs: { type: 'number' },
          lastError: { type: 'string' },
          downSince: { type: 'string' },
        },
      },
    },
    sites: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'eventsIn', 'eventsPerSecond', 'lastEventAt', 'deadLetters', 'state'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          eventsIn: { type: 'number' },
          eventsPerSecond: RATE,
          lastEventAt: { type: 'integer', nullable: true },
          deadLetters: DEAD,
          state: STATE,
          reason: { type: 'string' },
        },
      },
    },
    router: {
      type: 'object',
      required: [
        'running',
        'lag',
        'eventsIn',
        'eventsPerSecond',
        'duplicates',
        'deadLettered',
        'routes',
        'state',
      ],
      properties: {
        running: { type: 'boolean' },
        lag: { type: 'number' },
        eventsIn: { type: 'number' },
        eventsPerSecond: RATE,
        duplicates: { type: 'number' },
        deadLettered: { type: 'number' },
        routes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'to'],
            properties: { name: { type: 'string' }, to: { type: 'array', items: { type: 'string' } } },
          },
        },
        state: STATE,
        reason: { type: 'string' },
      },
    },
    subscribers: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'id',
          'kind',
          'routes',
          'consuming',
          'delivered',
          'deliveredPerSecond',
          'failures',
          'deadLettered',
          'deadLetters',
          'inRetry',
          'parked',
          'heldKeys',
          'lag',
          'breaker',
          'breakerRetryInMs',
          'state',
        ],
        properties: {
          id: { type: 'string' },
          kind: { type: 'string' },
          routes: { type: 'array', items: { type: 'string' } },
          consuming: { type: 'boolean', nullable: true },
          delivered: { type: 'number' },
          deliveredPerSecond: RATE,
          failures: { type: 'number' },
          deadLettered: { type: 'number' },
          deadLetters: DEAD,
          inRetry: { type: 'number' },
          parked: { type: 'number' },
          heldKeys: { type: 'number' },
          lag: { type: 'number', nullable: true },
          breaker: { type: 'string', enum: ['closed', 'half-open', 'open', 'unknown'] },
          breakerRetryInMs: { type: 'number' },
          breakerSince: { type: 'string' },
          lastError: {
            type: 'object',
            required: ['code', 'at'],
            properties: { code: { type: 'string' }, class: { type: 'string' }, at: { type: 'string' } },
          },
          state: STATE,
          reason: { type: 'string' },
        },
      },
    },
    indexError: { type: 'string' },
    deadLetters: {
      type: 'object',
      nullable: true,
      required: ['open', 'overdue'],
      properties: {
        open: { type: 'integer' },
        overdue: { type: 'integer' },
        oldestOpenAt: { type: 'integer' },
      },
    },
  },
} as const;
