import { Command } from 'commander';
import type { EventTrace } from '../../dlq';
import { adminOptions, connect, usageAware } from '../admin-client';
import { EXIT, output } from '../output';
import { when } from '../table';

/**
 * `crossdock events …`: single events as they move through a running hub. Each subcommand is
 * added by its own function below (`trace` here; `tail` joins the same way).
 */
export function eventsCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('events').description(
    'single events in a running hub: where one is, and what flows',
  );
  cmd.addCommand(traceCommand(setExit));
  return cmd;
}

/** `crossdock events trace <eventId>`: GET /api/v1/events/{eventId}/trace of the admin API. */
export function traceCommand(setExit: (code: number) => void): Command {
  return adminOptions(
    new Command('trace')
      .description(
        'where one event is: accepted (site, time), routed (subscribers, routes), per subscriber delivered / in retry / parked / dead-lettered / replayed. Exit 1 when the hub knows nothing of it',
      )
      .argument('<eventId>', 'the eventId (metadata.eventId, the ce_id header)'),
  ).action(
    usageAware(setExit, async (eventId: string, opts: { hub?: string; json?: boolean }) => {
      const trace = await connect(opts.hub).get<EventTrace>(`/events/${encodeURIComponent(eventId)}/trace`);
      output(Boolean(opts.json)).result(trace, () => formatTrace(trace));
      if (!known(trace)) setExit(EXIT.PROBLEMS);
    }),
  );
}

function known(t: EventTrace): boolean {
  return Boolean(t.accepted || t.routed?.length || t.rejected?.length || t.subscribers.length);
}

export function formatTrace(t: EventTrace): string {
  if (!known(t))
    return `event ${t.eventId}: no trace (the router has not seen it: a wrong id, not published yet, or older than what the hub keeps)`;
  const lines = [`event ${t.eventId}`];
  const a = t.accepted;
  lines.push(
    a
      ? `accepted    ${a.site ? `site ${a.site}, ` : ''}${a.topic}:${a.partition}:${a.offset}${a.at !== undefined ? ` at ${when(a.at)}` : ''}`
      : 'accepted    - (not seen by the router)',
  );
  if (t.routed)
    lines.push(
      `routed      ${t.routed.length ? t.routed.map((r) => `${r.subscriber}${r.route ? ` (route ${r.route})` : ''}`).join(', ') : 'to no subscriber'}`,
    );
  for (const r of t.rejected ?? []) lines.push(`rejected    ${r.id} ${r.code} at ${when(r.at)} (${r.state})`);
  for (const s of t.subscribers) {
    const detail =
      s.state === 'in-retry'
        ? `: ${s.attempts ?? '?'} attempts, next ${when(s.nextAttemptAt)}${s.lastCode ? `, last ${s.lastCode}` : ''}`
        : s.deadLetters?.length
          ? `: ${s.deadLetters.map((d) => `${d.id} ${d.code} at ${when(d.at)} (${d.state})`).join('; ')}`
          : s.lastCode
            ? ` (last ${s.lastCode})`
            : '';
    lines.push(`${s.subscriber.padEnd(11)} ${s.state}${detail}`);
  }
  return lines.join('\n');
}
