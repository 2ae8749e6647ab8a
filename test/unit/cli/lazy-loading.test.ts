import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ADMIN_ROLES, DEAD_LETTER_STATES } from '../../../dlq';
import { DEFAULT_SITES_DIR } from '../../../connectors/sources';
import { LOCK_FILE, SCHEMAS_DIR } from '../../../schemas';
import * as defaults from '../../../cli/defaults';

const root = path.resolve(__dirname, '../../..');

/**
 * What a fresh Node process has loaded (require.cache: repository files relative to the root,
 * packages by name) after `setup`, with tsx registered as bin/crossdock.js registers it.
 */
function loadedBy(setup: string): { files: string[]; packages: string[] } {
  const script = `
    require('tsx/cjs');
    ${setup}
    const path = require('node:path');
    const root = ${JSON.stringify(root)};
    const files = [], packages = new Set();
    for (const key of Object.keys(require.cache)) {
      const m = /[\\\\/]node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(key);
      if (m) packages.add(m[1].replace(/\\\\/g, '/'));
      else files.push(path.relative(root, key).split(path.sep).join('/'));
    }
    process.stdout.write(JSON.stringify({ files, packages: [...packages].sort() }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as {
    files: string[];
    packages: string[];
  };
}

describe('the CLI loading rule (docs/architecture.md): building the CLI loads no heavy part', () => {
  it('builds every command and its help with only commander and cli/, core/ light modules loaded', () => {
    const tsxOnly = loadedBy('');
    const cli = loadedBy(`
      const { buildProgram } = require('./cli/main.ts');
      const walk = (c) => { c.helpInformation(); c.commands.forEach(walk); };
      walk(buildProgram(() => undefined));
    `);
    // Packages beyond the TypeScript loader's own: commander only (kafkajs, ioredis, fastify, avsc,
    // ajv, undici, pino, yaml… are required inside a command's action).
    expect(cli.packages.filter((p) => !tsxOnly.packages.includes(p))).toEqual(['commander']);
    // Files: the CLI's own and light core/ modules (a core/ module that loads a package is caught
    // above); nothing of hub/, router/, dlq/, connectors/, schemas/, retry/ or stack/.
    const heavy = cli.files.filter(
      (f) => !(f.startsWith('cli/') || f.startsWith('core/') || f === 'package.json'),
    );
    expect(heavy).toEqual([]);
    expect(cli.files).toEqual(expect.arrayContaining(['cli/main.ts', 'cli/commands/dlq.ts']));
  });

  it('the child process check sees a heavy module when one is loaded (the check can fail)', () => {
    const loaded = loadedBy(`require('./core/kafka.ts');`);
    expect(loaded.packages).toContain('kafkajs');
    expect(loaded.files).toContain('core/kafka.ts');
  });

  it('cli/defaults.ts repeats the values of the heavy parts exactly', () => {
    expect([...defaults.ADMIN_ROLES]).toEqual([...ADMIN_ROLES]);
    expect([...defaults.DEAD_LETTER_STATES]).toEqual([...DEAD_LETTER_STATES]);
    expect(defaults.DEFAULT_SITES_DIR).toBe(DEFAULT_SITES_DIR);
    expect(defaults.SCHEMAS_DIR).toBe(SCHEMAS_DIR);
    expect(defaults.LOCK_FILE).toBe(LOCK_FILE);
    expect(defaults.DEFAULT_CONFIG).toBe(path.join(root, 'examples', 'hub.yaml'));
  });
});
