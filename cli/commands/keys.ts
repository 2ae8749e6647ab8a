import { Command } from 'commander';
import { DEFAULT_CONFIG } from '../defaults';
import { output } from '../output';

/** A value as one single-quoted shell word. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9._\-+/=:@]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * `crossdock keys`: the HTTP sites' signing-key secrets for local use (hub/local-keys.ts). Each
 * key's variable is taken from the environment when set, else from
 * `$CROSSDOCK_HOME/local-keys.env`, where missing ones are made. Prints `export NAME=secret`
 * lines, so `eval "$(npx crossdock keys)"` sets them in the shell.
 */
export function keysCommand(_setExit: (code: number) => void): Command {
  return new Command('keys')
    .description(
      'make sure every HTTP site key of a configuration has a local secret ($CROSSDOCK_HOME/local-keys.env) and print `export NAME=secret` lines for eval',
    )
    .option('--config <file>', 'hub configuration (YAML)', DEFAULT_CONFIG)
    .option('--json', 'print {file, keys:[{siteId, keyId, env, created}]} (secrets not included)')
    .addHelpText(
      'after',
      [
        '',
        'For local use only: production sets the variables the configuration names (secretEnv).',
        '  eval "$(npx crossdock keys)"        # set them in this shell',
        '  npx crossdock start                # also reads local-keys.env for a variable not set',
        '  npx crossdock send us-chi --file sites/us-chi/samples/order-released.input.json',
      ].join('\n'),
    )
    .action((opts: { config: string; json?: boolean }) => {
      // Loaded when run, so `crossdock --help` stays fast (the CLI loading rule).
      const { configuredKeys, loadConfig, localKeySecrets } =
        require('../../hub') as typeof import('../../hub');
      const { stackPaths } = require('../../stack') as typeof import('../../stack');
      const config = loadConfig(opts.config);
      const res = localKeySecrets(config, stackPaths().home, process.env);
      const keys = configuredKeys(config).map((k) => ({
        siteId: k.siteId,
        keyId: k.keyId,
        env: k.secretEnv,
        created: res.created.includes(k.secretEnv),
      }));
      if (!opts.json && res.created.length)
        process.stderr.write(`crossdock keys: made ${res.created.join(', ')} in ${res.file}\n`);
      if (!opts.json && !keys.length)
        process.stderr.write(`crossdock keys: ${opts.config} names no HTTP site key\n`);
      // The export lines are the secrets themselves, on purpose (eval "$(crossdock keys …)").
      output(Boolean(opts.json)).secret({ file: res.file, keys }, () =>
        [
          `# HTTP site keys of ${config.file ?? opts.config} (secrets from the environment or ${res.file})`,
          ...keys.map((k) => `export ${k.env}=${shellQuote(res.env[k.env]!)}   # ${k.siteId} key ${k.keyId}`),
        ].join('\n'),
      );
    });
}
