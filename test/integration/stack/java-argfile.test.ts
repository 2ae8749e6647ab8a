import path from 'node:path';
import { withJavaArgFile } from '../../../core/argfile';
import { run } from '../../../stack/proc';

/**
 * `java @file` (core/argfile.ts) on the real java launcher: the main class's own arguments arrive
 * exactly as written, and none of them is on the process's command line, where `ps` shows it to
 * every user of the machine.
 */
describe('java argument files (real java launcher)', () => {
  it('pass every argument to the main class and keep them off the command line', async () => {
    const secret = 'pw-Zx9_secret';
    const args = [
      '-Dcrossdock.test=argfile',
      path.resolve(__dirname, '../../fixtures/java/PrintArgs.java'),
      'format',
      '-S',
      `SCRAM-SHA-256=[name=site-a,password=${secret}]`,
      'with space',
      'quote"inside',
      'back\\slash',
      '',
    ];
    const res = await withJavaArgFile(args, (argFile) => run('java', [argFile]));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { args: string[]; cmdline: string };
    expect(out.args).toEqual(args.slice(2));
    expect(out.cmdline).toMatch(/^java @\S+args$/);
    expect(out.cmdline).not.toContain(secret);
  });
});
