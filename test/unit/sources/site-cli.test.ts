import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [path.join(root, 'bin/crossdock.js'), ...args],
      { cwd: root },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );

// Each case starts the real binary (bin/crossdock.js through tsx): a few seconds on a loaded
// 2-core machine, more than jest's default 5 s.
jest.setTimeout(30_000);

describe('crossdock site test (CLI, no network)', () => {
  it('prints the canonical events a mapping makes (--json), exit 0', async () => {
    const res = await run([
      'site',
      'test',
      'us-nwk',
      '--file',
      'sites/us-nwk/samples/order-released.input.json',
      '--json',
    ]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as {
      variant: string;
      events: Array<{ orderId: string; orderTotal: string }>;
      problems: unknown[];
    };
    expect(out.variant).toBe('us-nwk < base');
    expect(out.events.map((e) => [e.orderId, e.orderTotal])).toEqual([['NWK-55871', '1020.00']]);
  });

  it('prints every problem with its path and exits 1', async () => {
    const res = await run([
      'site',
      'test',
      'mx-mty',
      '--file',
      'sites/mx-mty/samples/bad-dialect.input.json',
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('$.partidas[0].cantidad  CD_E_INPUT_OUT_OF_RANGE');
  });

  it('refuses an unknown site with a clear error code', async () => {
    const res = await run([
      'site',
      'test',
      'xx-nope',
      '--file',
      'sites/us-nwk/samples/order-released.input.json',
    ]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^error CD_E_MAPPING_INVALID: Site xx-nope has no mapping file/);
  });
});
