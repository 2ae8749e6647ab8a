import { Command, Option } from 'commander';
import { CrossdockError } from '../../core/errors';
import { usageAware } from '../admin-client';
import { ADMIN_ROLES } from '../defaults';
import { output } from '../output';

/** Token names: what the configuration accepts for hub.admin.tokens[].name. */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * `crossdock admin token create`: a new admin API token, printed once, and its configuration entry.
 * `crossdock admin console`: the address of the operations console of the hub running here.
 */
export function adminCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('admin').description(
    'the admin API of the hub: tokens and roles, and the operations console',
  );
  const token = new Command('token').description('bearer tokens of the admin API');
  token.addCommand(
    new Command('create')
      .description(
        'make a random token for a person or a program with a role; prints the token once (it is stored nowhere) and the entry to paste under hub.admin.tokens (its sha256); the hub takes it at its next start',
      )
      .requiredOption(
        '--name <name>',
        'who holds it (lower-case letters, digits, -): written to the audit trail',
      )
      .addOption(
        new Option(
          '--role <role>',
          'viewer (read, personal fields masked), operator (also work and replay), admin (everything, unmasked)',
        )
          .choices([...ADMIN_ROLES])
          .makeOptionMandatory(),
      )
      .option('--json', 'machine-readable output: { name, role, token, sha256, yaml }')
      .action(
        usageAware(
          setExit,
          async (opts: { name: string; role: (typeof ADMIN_ROLES)[number]; json?: boolean }) => {
            if (!NAME.test(opts.name))
              throw new CrossdockError(
                'CD_E_USAGE',
                `--name: ${JSON.stringify(opts.name)} must be 1-63 lower-case letters, digits or '-', starting with a letter or digit`,
              );
            const { newAdminToken, tokenEntryYaml, tokenSha256 } =
              require('../../dlq') as typeof import('../../dlq');
            const secret = newAdminToken();
            const entry = { name: opts.name, role: opts.role, sha256: tokenSha256(secret) };
            const yaml = tokenEntryYaml(entry);
            output(Boolean(opts.json)).secret({ ...entry, token: secret, yaml }, () =>
              [
                `Token for ${entry.name} (${entry.role}), shown once, keep it secret:`,
                '',
                `  ${secret}`,
                '',
                'Add this entry under hub.admin.tokens in the hub configuration and restart the hub:',
                '',
                yaml
                  .split('\n')
                  .map((l) => `  ${l}`)
                  .join('\n'),
                '',
                `The CLI sends it from the environment: export CROSSDOCK_ADMIN_TOKEN=${secret}`,
              ].join('\n'),
            );
          },
        ),
      ),
  );
  cmd.addCommand(token);
  cmd.addCommand(consoleCommand(setExit));
  return cmd;
}

/** `crossdock admin console`: where the console of the hub running on this machine is, and how to sign in. */
function consoleCommand(setExit: (code: number) => void): Command {
  return new Command('console')
    .description(
      "prints the address of the operations console of the hub running on this machine (from its run file, the same CROSSDOCK_HOME) and how to sign in; --token also prints this start's local admin token to paste",
    )
    .option(
      '--token',
      'print the local admin token of this start (role admin; made when the admin API listens on loopback, valid until the hub stops) to paste on the sign-in page',
    )
    .option('--json', 'machine-readable output: { url, localToken? } (localToken with --token)')
    .action(
      usageAware(setExit, async (opts: { token?: boolean; json?: boolean }) => {
        const { locateConsole } = require('../../hub') as typeof import('../../hub');
        const { stackPaths } = require('../../stack') as typeof import('../../stack');
        const found = locateConsole(stackPaths().home);
        const out = output(Boolean(opts.json));
        const signIn =
          'Sign in with a token from `crossdock admin token create` (its role decides what you may do)';
        if (!opts.token) {
          out.result({ url: found.url }, () =>
            [
              `The crossdock console: ${found.url}`,
              found.localToken
                ? `${signIn}, or with this start's local admin token: crossdock admin console --token`
                : `${signIn}; this hub's admin API is not on loopback, so it made no local admin token.`,
            ].join('\n'),
          );
          return;
        }
        if (!found.localToken)
          throw new CrossdockError(
            'CD_E_ADMIN_UNAUTHORIZED',
            `the hub at ${found.url} made no local admin token (its admin API does not listen on loopback): sign in with a token from crossdock admin token create`,
          );
        out.secret({ url: found.url, localToken: found.localToken }, () =>
          [
            `The crossdock console: ${found.url}`,
            'Paste this local admin token on the sign-in page (role admin, valid until the hub stops; keep it secret):',
            '',
            `  ${found.localToken}`,
          ].join('\n'),
        );
      }),
    );
}
