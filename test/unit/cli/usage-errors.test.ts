import { main } from '../../../cli/main';

/** Runs `crossdock …` in-process as the binary does; the exit code and what it printed. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  try {
    return { code: await main(['node', 'crossdock', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const HINT = '(add --help for usage)';

describe('usage errors exit 2 with one line and the hint, never a stack trace', () => {
  it.each([
    [['bogus'], "error: unknown command 'bogus'"],
    [['--bogus'], "error: unknown option '--bogus'"],
    [['stack', 'status', '--bogus'], "error: unknown option '--bogus'"],
    [['dlq', 'bogus'], "error: unknown command 'bogus'"],
    [['config', 'check'], "error: missing required argument 'file'"],
    [['routes', 'test', '--event', 'x.json'], "error: required option '--config <file>' not specified"],
    [['dlq', 'list', '--limit'], "error: option '--limit <n>' argument missing"],
    [
      ['admin', 'token', 'create', '--name', 'x', '--role', 'boss'],
      "error: option '--role <role>' argument 'boss' is invalid. Allowed choices are viewer, operator, admin.",
    ],
    [
      ['start', '--health-port', 'abc'],
      "error: option '--health-port <port>' argument 'abc' is invalid. a port is a whole number from 0 to 65535",
    ],
    [
      ['router', '--config', 'x.yaml', '--health-port', '70000'],
      "error: option '--health-port <port>' argument '70000' is invalid. a port is a whole number from 0 to 65535",
    ],
    [
      ['stack', 'logs', 'kafka', '--lines', '-3'],
      "error: option '-n, --lines <n>' argument '-3' is invalid. a whole number from 1 to 100000",
    ],
    [
      ['dlq', 'list', '--limit', '5000'],
      "error: option '--limit <n>' argument '5000' is invalid. a whole number from 1 to 1000",
    ],
  ])('crossdock %j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${message}\n${HINT}\n`);
    expect(r.out).toBe('');
  });

  it('a CD_E_USAGE error of a command exits 2 with its code, message and the hint', async () => {
    const r = await run('site', 'test', 'us-chi', '--file', '/no/such/file.json');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error CD_E_USAGE: No such file: /no/such/file.json\n${HINT}\n`);
  });

  it('a usage error a command finds itself (a bad dead-letter selector) exits 2 with the hint', async () => {
    const r = await run('dlq', 'claim', 'cd.dlq.router:0:1', '--site', 'us-chi');
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `error CD_E_DLQ_SELECTOR_INVALID: selector: give ids or filter flags, not both\n${HINT}\n`,
    );
  });

  it('with --json the usage error is also one JSON object on stdout', async () => {
    const r = await run('config', 'check', '--json', '--bogus');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toEqual({ error: { code: 'CD_E_USAGE', message: "unknown option '--bogus'" } });
  });

  it('no command prints the help on stderr and exits 2; --help and --version exit 0', async () => {
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^Usage: crossdock/);
    const help = await run('dlq', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: crossdock dlq/);
    const version = await run('--version');
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
