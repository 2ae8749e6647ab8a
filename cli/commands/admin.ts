import { Command, Option } from 'commander';
import { CrossdockError } from '../../core/errors';
import { usageAware } from '../admin-client';
import { ADMIN_ROLES } from '../defaults';
import { output } from '../output';

/** Token names: what the configuration accepts for hub.admin.tokens[].name. */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `crossdock admin token create`: a new admin API token, printed once, and its configuration entry. */
export function adminCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('admin').description('the admin API of the hub: tokens and roles');
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
  return cmd;
}
