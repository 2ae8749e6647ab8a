import { Command } from 'commander';
import { EXIT, output } from '../output';

/**
 * `crossdock send <site> --file <input>`: signs and posts a site's own record to the running
 * hub's HTTP ingest, as the site's system would (docs/sites.md), and prints the answer. Exit 0 on
 * 202, 1 when the hub refused the request (4xx), 3 when it could not be sent or the hub could not
 * take it (5xx, nothing answers).
 */
export function sendCommand(setExit: (code: number) => void): Command {
  return new Command('send')
    .description(
      "sign and post a site's own record (JSON) to the running hub's HTTP ingest, as the site would",
    )
    .argument('<site>', 'the site id (an http site of the configuration)')
    .requiredOption(
      '--file <input>',
      "the site's own JSON: one record, an array of records, or an object with an events array",
    )
    .option('--config <file>', "hub configuration (default: the running hub's, else examples/hub.yaml)")
    .option(
      '--hub-url <url>',
      "the ingest's base URL (default: the running hub's run file, else http://127.0.0.1:$CROSSDOCK_INGEST_PORT, 8080)",
    )
    .option('--idempotency-key <key>', 'Idempotency-Key header (the same key and body get the stored answer)')
    .option('--json', 'print {siteId, keyId, config, answer: {url, status, body, retryAfter?, replayed}}')
    .addHelpText(
      'after',
      [
        '',
        "The key's secret comes from its variable (secretEnv), else $CROSSDOCK_HOME/local-keys.env (crossdock keys).",
        '  npx crossdock send us-chi --file sites/us-chi/samples/order-released.input.json',
        'csv sites drop files into their folder; sdk sites publish with createSiteProducer (docs/sites.md).',
      ].join('\n'),
    )
    .action(
      async (
        siteId: string,
        opts: { file: string; config?: string; hubUrl?: string; idempotencyKey?: string; json?: boolean },
      ) => {
        // Loaded when run, so `crossdock --help` stays fast (the CLI loading rule).
        const { formatSend, sendSiteFile } = require('../send') as typeof import('../send');
        // A usage error (not an HTTP site, no such site or file) exits 2 through reportError.
        const outcome = await sendSiteFile({
          siteId,
          file: opts.file,
          ...(opts.config !== undefined ? { config: opts.config } : {}),
          ...(opts.hubUrl !== undefined ? { hubUrl: opts.hubUrl } : {}),
          ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
        });
        output(Boolean(opts.json)).result(outcome, () => formatSend(outcome));
        const status = outcome.answer.status;
        if (status >= 200 && status < 300) return;
        setExit(status >= 400 && status < 500 ? EXIT.PROBLEMS : EXIT.FAILED);
      },
    );
}
