import path from 'node:path';
import { run } from '../../../stack/proc';

/** The `crossdock` binary as a user runs it: exit codes, --json, errors with codes and no stack trace. */
describe('crossdock CLI (stack commands)', () => {
  const bin = path.resolve(__dirname, '../../../bin/crossdock.js');
  const crossdock = (...args: string[]) => run('node', [bin, ...args]);

  it('stack status --json reports every part up with its endpoint', async () => {
    const res = await crossdock('stack', 'status', '--json');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { parts: Array<{ part: string; up: boolean; endpoint: string }> };
    expect(out.parts.map((p) => [p.part, p.up])).toEqual([
      ['kafka', true],
      ['registry', true],
      ['redis', true],
    ]);
    expect(out.parts.find((p) => p.part === 'registry')?.endpoint).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7$/,
    );
  });

  it('stack up on a running stack returns at once and says so', async () => {
    const res = await crossdock('stack', 'up', '--json');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as {
      alreadyRunning: boolean;
      endpoints: { kafkaBrokers: string[]; kafkaSaslBrokers: string[] };
    };
    expect(out.alreadyRunning).toBe(true);
    expect(out.endpoints.kafkaBrokers).toHaveLength(1);
    expect(out.endpoints.kafkaSaslBrokers).toHaveLength(1);
    expect(res.stderr).toContain('already running');
  });

  it('an unknown part is a clear error with a stable code, exit 3, no stack trace', async () => {
    const res = await crossdock('stack', 'logs', 'zookeeper');
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(
      'error CD_E_STACK_UNKNOWN_PART: Unknown part "zookeeper"; the parts are kafka, registry, redis.',
    );
    expect(res.stderr).not.toMatch(/\n\s+at /);
    const json = await crossdock('stack', 'logs', 'zookeeper', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      error: expect.objectContaining({ code: 'CD_E_STACK_UNKNOWN_PART' }),
    });
  });

  it('stack logs shows the tail of a part log', async () => {
    const res = await crossdock('stack', 'logs', 'registry', '-n', '5', '--json');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { part: string; lines: string[] };
    expect(out.part).toBe('registry');
    expect(out.lines.length).toBeGreaterThan(0);
  });

  it('a bad flag is a usage error (exit 2)', async () => {
    const res = await crossdock('stack', 'status', '--no-such-flag');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("unknown option '--no-such-flag'");
  });
});
