import type { EventTrace } from './contract';

/**
 * An EventTrace as text for a terminal (`crossdock events trace <eventId>` without --json): one
 * line per fact, times in ISO 8601 UTC, and for a next attempt how far away it is from `now`.
 */
export interface DescribeTraceOptions {
  /** Epoch ms the relative times are told from. @defaultValue Date.now() */
  now?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** "in 4 s", "12 s ago", "in 3 min"… */
export function relative(ms: number, now: number): string {
  const d = Math.round((ms - now) / 1000);
  const abs = Math.abs(d);
  const amount =
    abs < 90
      ? `${abs} s`
      : abs < 90 * 60
        ? `${Math.round(abs / 60)} min`
        : abs < 36 * 3600
          ? `${Math.round(abs / 3600)} h`
          : `${Math.round(abs / 86400)} d`;
  return d >= 0 ? `in ${amount}` : `${amount} ago`;
}

type Letter = NonNullable<EventTrace['rejected']>[number];
const letter = (l: Letter) => `${l.code} at ${iso(l.at)} (dead letter ${l.id}, ${l.state})`;

function subscriberLine(s: EventTrace['subscribers'][number], now: number): string {
  const newest = s.deadLetters?.[s.deadLetters.length - 1];
  const history =
    s.deadLetters && s.deadLetters.length && s.state !== 'dead-lettered' && s.state !== 'replayed'
      ? `; before: ${s.deadLetters.map(letter).join('; ')}`
      : '';
  switch (s.state) {
    case 'delivered':
      return `delivered${history}`;
    case 'in-retry':
      return (
        `in retry: ${s.attempts ?? 0} attempt${s.attempts === 1 ? '' : 's'}` +
        (s.nextAttemptAt !== undefined
          ? `, next attempt ${iso(s.nextAttemptAt)} (${relative(s.nextAttemptAt, now)})`
          : '') +
        (s.lastCode ? `, last ${s.lastCode}` : '') +
        history
      );
    case 'parked': {
      const why = s.held
        ? `its key ${s.orderKey ?? '?'} is held after an earlier event was dead-lettered (crossdock connector ${s.subscriber} --release-key <key> lets it go on)`
        : s.waitingBehind
          ? `waiting behind ${s.waitingBehind}, an earlier event of its key ${s.orderKey ?? '?'}`
          : `waiting behind an earlier event of its key${s.orderKey !== undefined ? ` ${s.orderKey}` : ''}`;
      return `parked: ${why}${s.attempts ? `; ${s.attempts} attempts so far` : ''}${history}`;
    }
    case 'dead-lettered':
      return `dead-lettered: ${newest ? letter(newest) : '?'}${
        s.deadLetters && s.deadLetters.length > 1 ? ` (${s.deadLetters.length} dead letters)` : ''
      }`;
    case 'replayed':
      return `replayed: ${newest ? letter(newest) : '?'}; not delivered yet`;
    case 'pending':
      return `pending: in its topic, or being delivered now${history}`;
    default:
      return `unknown: routed there, but the subscriber is not configured now and has no state of it${history}`;
  }
}

/** The trace as lines of text (no trailing newline). */
export function describeTrace(t: EventTrace, options: DescribeTraceOptions = {}): string {
  const now = options.now ?? Date.now();
  const lines = [`event ${t.eventId}`];
  if (t.accepted) {
    const a = t.accepted;
    lines.push(
      `  accepted  ${a.at !== undefined ? iso(a.at) : '(time not recorded)'}` +
        `${a.site !== undefined ? ` from site ${a.site}` : ''} (${a.topic} partition ${a.partition} offset ${a.offset})`,
    );
    if (!t.routed) lines.push('  routed    (not recorded: the router marked it before it kept routes)');
    else if (t.routed.length === 0) lines.push('  routed    to no subscriber (no route selected it)');
    else
      lines.push(
        `  routed    to ${t.routed.map((r) => (r.route ? `${r.subscriber} (route ${r.route})` : r.subscriber)).join(', ')}`,
      );
  } else if (!t.rejected?.length) {
    lines.push(
      '  not accepted by the router: no duplicate mark (never published, still on its way, or accepted longer ago than hub.router.duplicateWindowSeconds)',
    );
  }
  for (const r of t.rejected ?? []) lines.push(`  rejected  ${letter(r)}`);
  if (t.subscribers.length) {
    const width = Math.max(...t.subscribers.map((s) => s.subscriber.length));
    for (const s of t.subscribers) lines.push(`  ${s.subscriber.padEnd(width)}  ${subscriberLine(s, now)}`);
  } else if (t.accepted || t.rejected?.length) {
    lines.push('  no subscriber has state of it');
  }
  return lines.join('\n');
}
