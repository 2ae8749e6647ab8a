import fs from 'node:fs';
import { Command } from 'commander';
import { CrossdockError } from '../../core/errors';
import { EXIT, output } from '../output';
import type { EventVerdict, RoutesTestResult } from '../../router';

const INPUT_HELP = `
The input (--event) is JSON, one of:
  a canonical event             { "metadata": { "eventType": ..., "siteId": ... }, ... }
  an envelope                   { "event": {...}, "headers": {...}, "siteId": "...", "key": "...",
                                  "version": 2, "subject": "com.crossdock.order.OrderReleased" }
                                (all but event optional: siteId = the ingress topic's site, default
                                metadata.siteId, and site crossdock = the hub's own flow alerts
                                topic; key default the business key; version default the
                                newest active catalog version, as connectors and the SDK write;
                                subject default the catalog record of metadata.eventType)
  a golden sample               sites/<id>/samples/*.expected.json ({ "events": [...] } or { "problems": [...] })
  site test output              crossdock site test <site> --file <input> --json
  a JSON array of these         one verdict per event

What it checks: the router's own checks (router/validate.ts) in order — site, schema (catalog
subject and version, retired versions), decode, metadata, event type, site of the topic, headers,
business key, the data rules of the configuration — then route matching. The event is written as
Avro with the canonical schemas of this checkout (schemas/, offline: no registry, Kafka or Redis
is used). Duplicates are not checked (they need the router's Redis).

Exit code: 0 every event would be routed (or counted as unrouted), 1 the router would dead-letter
one (or its connector refuses it: code and reason printed), 2 usage error.`;

function describe(e: EventVerdict): string[] {
  const schema = e.schema ? `, written as ${e.schema.subject} v${e.schema.version} (${e.schema.status})` : '';
  const head = `${e.label}: ${e.eventType ?? '(no eventType)'} from ${e.siteId ?? '(no site)'}${e.eventId ? ` eventId ${e.eventId}` : ''}${schema}`;
  if (e.outcome === 'dead-lettered' || e.outcome === 'refused')
    return [
      head,
      `  ${e.outcome === 'refused' ? 'REFUSED before the router' : 'DEAD-LETTERED'}: ${e.code} at ${e.stage}`,
      `  ${e.reason}`,
      ...(e.note ? [`  (${e.note})`] : []),
    ];
  return [
    head,
    ...(e.outcome === 'unrouted'
      ? [`  no subscriber: ${e.note}`]
      : e.subscribers.map((s) => `  → ${s.id.padEnd(24)} by route ${s.route} (${s.topic})`)),
    '  routes:',
    ...e.routes.map((r) => `    ${r.matched ? 'match' : 'skip '} ${r.route.padEnd(26)} ${r.reason}`),
  ];
}

/** `crossdock routes test`: the router's verdict on an event, and why, without Kafka. */
export function routesCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('routes').description('the routes of a hub configuration');
  cmd
    .command('test')
    .description(
      "the router's verdict on events (JSON): dead-lettered with which code and why, or which subscribers receive them by which route",
    )
    .requiredOption('--config <file>', 'hub configuration (YAML)')
    .requiredOption(
      '--event <json-file>',
      'an event, an { event, headers, siteId } envelope, a golden sample or `site test --json` output',
    )
    .option('--json', 'machine-readable output: { ok, events: [verdict per event] }')
    .addHelpText('after', INPUT_HELP)
    .action(async (opts: { config: string; event: string; json?: boolean }) => {
      const { loadConfig } = require('../../hub') as typeof import('../../hub');
      const { createExplainer } = require('../../router') as typeof import('../../router');
      const { loadCatalog } = require('../../schemas') as typeof import('../../schemas');
      const { systemClock } = require('../../core/clock') as typeof import('../../core/clock');
      let input: unknown;
      try {
        input = JSON.parse(fs.readFileSync(opts.event, 'utf8'));
      } catch (err) {
        throw new CrossdockError(
          'CD_E_USAGE',
          `cannot read the event ${opts.event} as JSON: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      const config = loadConfig(opts.config);
      const explainer = createExplainer(config, { catalog: loadCatalog(), clock: systemClock });
      const res: RoutesTestResult = await explainer.explain(input);
      output(Boolean(opts.json)).result(res, () => res.events.flatMap(describe).join('\n'));
      if (!res.ok) setExit(EXIT.PROBLEMS);
    });
  return cmd;
}
