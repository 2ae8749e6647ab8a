import { Command } from 'commander';
import fs from 'node:fs';
import { CrossdockError } from '../../core/errors';
import type { ApplyOutcome } from '../../hub';
import { EXIT, output } from '../output';

/** `crossdock config check <file>`: the start-up check, on its own (every problem at once). */
export function configCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('config').description(
    'the hub configuration (YAML, validated against core/config/hub.schema.json)',
  );
  cmd
    .command('check')
    .description(
      'every check `crossdock start` makes, without starting anything: the schema and cross-references, site mappings (resolvable, acyclic, target fields in the canonical schemas), signing keys, event types of routes and rules in the catalog, flows (durations, event types and fields in the catalog), URLs and ports. Every problem with its file, line and reason; exit 1 when there is any error',
    )
    .argument('<file>', 'hub configuration (YAML)')
    .option(
      '--require-secrets',
      "a site signing key's secret (secretEnv) not set in this environment is an error, not a warning (run it so on the hub host; CI without secrets leaves it out)",
    )
    .option(
      '--json',
      'machine-readable output: { file, ok, problems: [{ path, message, line, column?, file?, severity?, variable? }] }',
    )
    .addHelpText(
      'after',
      `
Secrets: a variable a subscriber's sink reads (\${NAME} in sink.secrets or sink.headers, or
sink.secretsEnv) that is unset or empty is an error naming the field and the variable (write
\${NAME:-default} for an explicit default): an unset webhook secret would send unsigned webhooks.
A site key's secretEnv that is set neither here nor in $CROSSDOCK_HOME/local-keys.env (which
\`crossdock start\` reads) is a warning, because config check often runs where the production
secrets are not and a missing key only refuses requests; \`crossdock start\` refuses to start
without it. --require-secrets makes it an error.
Event types are checked against the canonical catalog of this checkout (schemas/catalog.yaml).`,
    )
    .action((file: string, opts: { json?: boolean; requireSecrets?: boolean }) => {
      const { checkHubConfig } = require('../../hub') as typeof import('../../hub');
      const { stackPaths } = require('../../stack') as typeof import('../../stack');
      const { describeProblems } = require('../../core/config') as typeof import('../../core/config');
      const res = checkHubConfig(file, {
        home: stackPaths().home,
        requireSecrets: Boolean(opts.requireSecrets),
      });
      const c = res.config;
      const errors = res.problems.filter((p) => p.severity !== 'warning').length;
      output(Boolean(opts.json)).result({ file: res.file, ok: res.ok, problems: res.problems }, () =>
        [
          res.ok && c
            ? `${res.file}: ok (${c.sites.length} sites, ${c.subscribers.length} subscribers, ${c.routes.length} routes, ${Object.keys(c.rules).length} event types with rules, ${c.flows.length} flows)${res.problems.length ? `, ${res.problems.length} warning(s)` : ''}`
            : `${res.file}: ${errors} problem(s)${res.problems.length > errors ? `, ${res.problems.length - errors} warning(s)` : ''}`,
          ...describeProblems(res.problems).map((l) => `  ${l.replace(/\n/g, '\n  ')}`),
        ].join('\n'),
      );
      if (!res.ok) setExit(EXIT.PROBLEMS);
    });
  cmd
    .command('apply')
    .description(
      'put a configuration into effect in the running hub (sites, subscribers, routes, rules): checked like at start-up, swapped in at a batch boundary; a refused one changes nothing. Exit 1 when refused',
    )
    .argument('<file>', 'hub configuration (YAML)')
    .option(
      '--hub <url>',
      "the hub's health address (default: the run file of the hub started with this CROSSDOCK_HOME); the token comes from CROSSDOCK_ADMIN_TOKEN",
    )
    .option(
      '--json',
      "machine-readable output: the hub's answer { applied, change | code, message, problems }",
    )
    .action(async (file: string, opts: { hub?: string; json?: boolean }) => {
      const { checkHubConfig, locateHub } = require('../../hub') as typeof import('../../hub');
      const { stackPaths } = require('../../stack') as typeof import('../../stack');
      const { describeProblems } = require('../../core/config') as typeof import('../../core/config');
      const out = output(Boolean(opts.json));
      // The same checks here first (those of start-up too): a bad file never leaves this machine.
      // The secrets are the hub's: it checks its own environment, so unset ones here only warn.
      const res = checkHubConfig(file, { home: stackPaths().home, secretsElsewhere: true });
      if (!res.ok) {
        out.result(
          { applied: false, file: res.file, code: 'CD_E_CONFIG_INVALID', problems: res.problems },
          () =>
            [
              `${res.file}: ${res.problems.length} problem(s); nothing applied`,
              ...describeProblems(res.problems).map((l) => `  ${l}`),
            ].join('\n'),
        );
        setExit(EXIT.PROBLEMS);
        return;
      }
      const target = locateHub(stackPaths().home, opts.hub, process.env);
      let answer: Response;
      try {
        answer = await fetch(`${target.url}/config`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
          body: JSON.stringify({ yaml: fs.readFileSync(file, 'utf8'), file: res.file }),
        });
      } catch (err) {
        throw new CrossdockError(
          'CD_E_HUB_NOT_RUNNING',
          `the hub at ${target.url} does not answer: ${String(err)}`,
          {
            retriable: true,
          },
        );
      }
      const body = (await answer.json().catch(() => ({}))) as
        ApplyOutcome | { code?: string; message?: string };
      if (answer.status === 401)
        throw new CrossdockError('CD_E_HUB_UNAUTHORIZED', `the hub at ${target.url} refused the token`);
      if (!('applied' in body))
        throw new CrossdockError(
          'CD_E_HUB_NOT_RUNNING',
          `the hub at ${target.url} answered ${answer.status}: ${JSON.stringify(body)}`,
        );
      out.result(body, () => describeOutcome(body));
      if (!body.applied) setExit(EXIT.PROBLEMS);
    });
  return cmd;
}

function describeOutcome(o: ApplyOutcome): string {
  const { describeProblems } = require('../../core/config') as typeof import('../../core/config');
  if (!o.applied)
    return [`refused (${o.code}): ${o.message}`, ...describeProblems(o.problems).map((l) => `  ${l}`)].join(
      '\n',
    );
  const { diff, started, stopped, reconfigured } = o.change;
  if (diff.none) return 'applied: nothing changed';
  const ids = (label: string, c: { added: string[]; removed: string[]; changed: string[] }) =>
    c.added.length + c.removed.length + c.changed.length
      ? [
          `  ${label}: +${c.added.join(',') || '-'} -${c.removed.join(',') || '-'} ~${c.changed.join(',') || '-'}`,
        ]
      : [];
  return [
    'applied',
    ...ids('sites', diff.sites),
    ...ids('subscribers', diff.subscribers),
    ...(diff.routes ? ['  routes changed'] : []),
    ...(diff.rules ? ['  rules changed'] : []),
    ...(diff.deadLetters ? ['  deadLetters changed'] : []),
    ...(diff.flows ? ['  flows changed'] : []),
    ...(reconfigured.length ? [`  reconfigured in place: ${reconfigured.join(', ')}`] : []),
    ...(started.length ? [`  started: ${started.join(', ')}`] : []),
    ...(stopped.length ? [`  stopped: ${stopped.join(', ')}`] : []),
  ].join('\n');
}
