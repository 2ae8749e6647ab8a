import { buildProgram } from '../../../cli/main';
import { EXIT, reportError } from '../../../cli/output';
import { field, SchemaSandbox } from './sandbox';

/** Runs `crossdock <args>` in-process; returns exit code and what it printed. */
async function crossdock(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let code: number = EXIT.OK;
  let stdout = '';
  let stderr = '';
  const out = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    await buildProgram((c) => (code = c)).parseAsync(['node', 'crossdock', ...args]);
  } catch (e) {
    code = reportError(e, args.includes('--json'));
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, stderr };
}

describe('crossdock schemas check (offline)', () => {
  it('passes on the shipped schemas with exit 0', async () => {
    const r = await crossdock(['schemas', 'check']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^ok: \d+ event types, \d+ versions, no problems/);
  });

  it('lists each problem with file, path and rule id, and exits 1', async () => {
    const s = new SchemaSandbox();
    try {
      s.addVersion(
        'OrderReleased',
        (x) => void x.fields.splice(x.fields.indexOf(field(x, 'warehouseId')), 1),
        'FORWARD',
      );
      s.addVersion('OrderHoldPlaced', (x) => void (field(x, 'amountAtRisk').type = 'double'));
      const r = await crossdock(['schemas', 'check', '--dir', s.dir]);
      expect(r.code).toBe(EXIT.PROBLEMS);
      expect(r.stdout).toContain(
        'order/OrderReleased/v3.avsc warehouseId: OrderReleased v3 removes field `warehouseId` without a default: v2 readers cannot read v3 data (FORWARD) [compat-field-removed]',
      );
      expect(r.stdout).toMatch(
        /order\/OrderHoldPlaced\/v2\.avsc amountAtRisk: money field `amountAtRisk` is double.*\[money-decimal\]/,
      );

      const j = await crossdock(['schemas', 'check', '--dir', s.dir, '--json']);
      expect(j.code).toBe(EXIT.PROBLEMS);
      const parsed = JSON.parse(j.stdout) as {
        ok: boolean;
        problems: Array<{ rule: string; file: string; path: string; message: string }>;
      };
      expect(parsed.ok).toBe(false);
      expect(parsed.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            rule: 'compat-field-removed',
            file: 'order/OrderReleased/v3.avsc',
            path: 'warehouseId',
          }),
        ]),
      );
    } finally {
      s.remove();
    }
  });

  it('list --offline --json shows the catalog with versions and status', async () => {
    const r = await crossdock(['schemas', 'list', '--offline', '--json']);
    expect(r.code).toBe(EXIT.OK);
    const { entries } = JSON.parse(r.stdout) as {
      entries: Array<{ eventType: string; versions: Array<{ version: number; status: string }> }>;
    };
    expect(entries.length).toBeGreaterThanOrEqual(11);
    expect(entries.find((e) => e.eventType === 'OrderReleased')!.versions).toEqual([
      expect.objectContaining({ version: 1, status: 'deprecated' }),
      expect.objectContaining({ version: 2, status: 'active' }),
    ]);
  });

  it('has --help for each verb', async () => {
    for (const verb of ['check', 'push', 'list']) {
      const r = await crossdock(['schemas', verb, '--help']);
      expect(r.code).toBe(EXIT.OK);
      expect(r.stdout).toContain('--json');
    }
  });
});
