/**
 * Who may do what on the admin API: one table, read by the server (every route names its
 * operation here), by the docs (docs/operations.md prints the same table; a unit test compares
 * them) and by the tests (every operation × role).
 *
 * Roles are ordered: viewer < operator < admin, and a role may do everything a lower one may.
 * - viewer: reads (list, show, groups, queue, replay jobs, trace, scorecards, the catalog, flows)
 *   and dry runs, which change nothing. Personal fields of decoded events are masked.
 * - operator: also works dead letters (claim, assign, note, resolve, discard), replays
 *   and steers replay jobs, and reads the audit trail (it names people: token names). Personal
 *   fields stay masked: working a dead letter needs its reason and shape, not a customer's name.
 * - admin: everything, unmasked, reindex (rebuilds the index from the topics), and
 *   `crossdock events tail --show-personal` (which reads Kafka itself, so the CLI asks the API's
 *   `events.tail-personal` first).
 */
import type { AdminRole } from '../../core/config/types';

export type { AdminRole };

export const ADMIN_ROLES: readonly AdminRole[] = Object.freeze(['viewer', 'operator', 'admin']);

const RANK: Readonly<Record<AdminRole, number>> = Object.freeze({ viewer: 0, operator: 1, admin: 2 });

/** True when `role` may do what `needed` may. */
export function roleAtLeast(role: AdminRole, needed: AdminRole): boolean {
  return RANK[role] >= RANK[needed];
}

/** Whether a role sees the personal fields of decoded events (catalog `personalDataFields`) unmasked. */
export function seesPersonalData(role: AdminRole): boolean {
  return role === 'admin';
}

/** One operation of the admin API. */
export interface AdminOperation {
  /** The name written to the audit trail (`op`). */
  readonly op: string;
  readonly method: 'GET' | 'POST';
  /** Path under /api/v1, Fastify style (`:id`); the OpenAPI document writes `{id}`. */
  readonly path: string;
  /** The lowest role allowed. */
  readonly role: AdminRole;
  /** When two operations share a route, what tells them apart. */
  readonly when?: string;
  readonly summary: string;
}

/** Every operation of the admin API, with the lowest role allowed. */
export const ADMIN_OPERATIONS = Object.freeze([
  {
    op: 'dlq.list',
    method: 'GET',
    path: '/dlq',
    role: 'viewer',
    summary: 'List dead letters (filters, paging)',
  },
  {
    op: 'dlq.groups',
    method: 'GET',
    path: '/dlq/groups',
    role: 'viewer',
    summary: 'Incidents: dead letters by code × site × subscriber × schema version',
  },
  {
    op: 'dlq.queue',
    method: 'GET',
    path: '/dlq/queue',
    role: 'viewer',
    summary: 'The work queue: open dead letters by due time, and its depth',
  },
  {
    op: 'dlq.show',
    method: 'GET',
    path: '/dlq/:id',
    role: 'viewer',
    summary: 'One dead letter: record, headers, reason, attempt history, decoded event',
  },
  {
    op: 'dlq.dry-run',
    method: 'POST',
    path: '/dlq/replay',
    role: 'viewer',
    when: 'dryRun: true',
    summary: 'Predict what replaying the selection would do now; changes nothing',
  },
  {
    op: 'dlq.replays',
    method: 'GET',
    path: '/dlq/replays',
    role: 'viewer',
    summary: 'Replay jobs, newest first',
  },
  {
    op: 'dlq.replay-show',
    method: 'GET',
    path: '/dlq/replays/:jobId',
    role: 'viewer',
    summary: 'One replay job and its progress',
  },
  {
    op: 'events.trace',
    method: 'GET',
    path: '/events/:eventId/trace',
    role: 'viewer',
    summary: 'Where one event is: accepted, routed, delivered, in retry, dead-lettered, replayed',
  },
  {
    op: 'sites.scorecard',
    method: 'GET',
    path: '/sites/scorecard',
    role: 'viewer',
    summary:
      'Site conformance scorecards of a period (whole UTC hours): accepted, rejected by code and rule, deprecated share, flow completion and step latency against deadlines, mapping variant, last event; worst conformance first',
  },
  {
    op: 'hub.overview',
    method: 'GET',
    path: '/overview',
    role: 'viewer',
    summary:
      'The live figures of this hub process: sites → router → subscribers with events/s, lag, retries, breakers, dead letters, each with a state (ok, warn, bad) and its reason; not audited when it succeeds',
  },
  {
    op: 'catalog.list',
    method: 'GET',
    path: '/catalog',
    role: 'viewer',
    summary:
      'The event catalog the hub follows: event types, their versions with status (active, deprecated, retired) and personal fields',
  },
  {
    op: 'flows.summary',
    method: 'GET',
    path: '/flows',
    role: 'viewer',
    summary:
      'Each configured business flow with its open and overdue instances (none: the hub tracks no flows)',
  },
  {
    op: 'flows.overdue',
    method: 'GET',
    path: '/flows/overdue',
    role: 'viewer',
    summary: 'Overdue flow instances, longest overdue first: flow, key, site, missing step, due time, alert',
  },
  {
    op: 'flows.show',
    method: 'GET',
    path: '/flows/:flow/:key',
    role: 'viewer',
    summary: 'One flow instance: its steps with times and deadlines, and the alerts raised for it',
  },
  {
    op: 'dlq.claim',
    method: 'POST',
    path: '/dlq/claim',
    role: 'operator',
    summary: 'Take dead letters (owner = you)',
  },
  {
    op: 'dlq.assign',
    method: 'POST',
    path: '/dlq/assign',
    role: 'operator',
    summary: 'Give dead letters to an owner',
  },
  {
    op: 'dlq.note',
    method: 'POST',
    path: '/dlq/note',
    role: 'operator',
    summary: 'Add a note to dead letters',
  },
  {
    op: 'dlq.resolve',
    method: 'POST',
    path: '/dlq/resolve',
    role: 'operator',
    summary: 'Mark dead letters fixed another way',
  },
  {
    op: 'dlq.discard',
    method: 'POST',
    path: '/dlq/discard',
    role: 'operator',
    summary: 'Discard dead letters (reason required)',
  },
  {
    op: 'dlq.replay',
    method: 'POST',
    path: '/dlq/replay',
    role: 'operator',
    when: 'dryRun absent or false',
    summary: 'Start a replay job over the selection',
  },
  {
    op: 'dlq.replay-pause',
    method: 'POST',
    path: '/dlq/replays/:jobId/pause',
    role: 'operator',
    summary: 'Pause a replay job',
  },
  {
    op: 'dlq.replay-resume',
    method: 'POST',
    path: '/dlq/replays/:jobId/resume',
    role: 'operator',
    summary: 'Resume a paused replay job',
  },
  {
    op: 'dlq.replay-cancel',
    method: 'POST',
    path: '/dlq/replays/:jobId/cancel',
    role: 'operator',
    summary: 'Cancel a replay job (what it sent stays sent)',
  },
  {
    op: 'audit.list',
    method: 'GET',
    path: '/audit',
    role: 'operator',
    summary: 'Recent audit records (who did what), newest first',
  },
  {
    op: 'dlq.reindex',
    method: 'POST',
    path: '/dlq/reindex',
    role: 'admin',
    summary: 'Rebuild the dead-letter index from the topics (and operators’ states from the state topic)',
  },
  {
    op: 'events.tail-personal',
    method: 'GET',
    path: '/events/tail-personal',
    role: 'admin',
    summary:
      'May the caller tail events with personal fields unmasked? `crossdock events tail --decode --show-personal` reads Kafka directly and asks here first; answers who. Audited with the topic',
  },
] as const satisfies readonly AdminOperation[]);

export type AdminOpName = (typeof ADMIN_OPERATIONS)[number]['op'];

const BY_OP = new Map<string, AdminOperation>(ADMIN_OPERATIONS.map((o) => [o.op, o]));

/** The operation named `op`. @throws Error for a name not in the table (a bug) */
export function operation(op: AdminOpName): AdminOperation {
  const o = BY_OP.get(op);
  if (!o) throw new Error(`admin operation ${op} is not in ADMIN_OPERATIONS`);
  return o;
}

/** Whether `role` may do `op`. */
export function allowed(role: AdminRole, op: AdminOpName): boolean {
  return roleAtLeast(role, operation(op).role);
}

/** The role table as Markdown (docs/operations.md holds the same text; a unit test compares). */
export function renderRoleTable(): string {
  const mark = (o: AdminOperation, r: AdminRole) => (roleAtLeast(r, o.role) ? 'yes' : '—');
  const rows = (ADMIN_OPERATIONS as readonly AdminOperation[]).map(
    (o) =>
      `| \`${o.op}\` | \`${o.method} /api/v1${o.path.replace(/:(\w+)/g, '{$1}')}\`${o.when ? ` (${o.when})` : ''} | ${ADMIN_ROLES.map((r) => mark(o, r)).join(' | ')} |`,
  );
  return [
    '| operation | request | viewer | operator | admin |',
    '|---|---|---|---|---|',
    ...rows,
    `| personal fields of decoded events | \`GET /api/v1/dlq/{id}\` | masked | masked | unmasked |`,
  ].join('\n');
}
