import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { locateConsole, type RunFile } from '../../../hub';
import { runFilePath } from '../../../hub/control';
import { buildProgram } from '../../../cli/main';
import { reportError } from '../../../cli/output';

/** Runs `crossdock …` in-process with this CROSSDOCK_HOME: exit code, stdout, stderr (errors as the CLI prints them). */
async function run(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let code = 0;
  let stdout = '';
  let stderr = '';
  const json = args.includes('--json');
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const was = process.env.CROSSDOCK_HOME;
  process.env.CROSSDOCK_HOME = home;
  const sink = (add: (s: string) => void) =>
    ({ write: (s: string) => (add(s), true) }) as unknown as NodeJS.WritableStream;
  try {
    await buildProgram((c) => (code = c)).parseAsync(['node', 'crossdock', ...args]);
  } catch (err) {
    code = reportError(
      err,
      json,
      sink((s) => (stderr += s)),
      sink((s) => (stdout += s)),
    );
  } finally {
    spy.mockRestore();
    if (was === undefined) delete process.env.CROSSDOCK_HOME;
    else process.env.CROSSDOCK_HOME = was;
  }
  return { code, stdout, stderr };
}

/** A run file as `crossdock start` writes it, in a home of the test's own. */
function homeWith(run: Partial<RunFile> | undefined): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-console-cli-'));
  if (run) {
    const file = runFilePath(home);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      JSON.stringify({
        pid: process.pid,
        url: 'http://127.0.0.1:9400',
        token: 'control',
        configFile: 'x',
        ...run,
      }),
    );
  }
  return home;
}

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('crossdock admin console', () => {
  const homes: string[] = [];
  const home = (run: Partial<RunFile> | undefined) => {
    const h = homeWith(run);
    homes.push(h);
    return h;
  };
  afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));

  it('finds the console of the hub running here, with its local token when it made one', () => {
    expect(locateConsole(home({ adminUrl: 'http://127.0.0.1:9401', adminToken: 'cdadm_local' }))).toEqual({
      url: 'http://127.0.0.1:9401/console/',
      localToken: 'cdadm_local',
    });
    expect(locateConsole(home({ adminUrl: 'http://10.0.0.5:9401/' }))).toEqual({
      url: 'http://10.0.0.5:9401/console/',
    });
  });

  it('no hub here: CD_E_HUB_NOT_RUNNING naming the run file, also for a run file its hub left behind', () => {
    const none = home(undefined);
    expect(() => locateConsole(none)).toThrow(
      expect.objectContaining({
        code: 'CD_E_HUB_NOT_RUNNING',
        message: expect.stringContaining(`${runFilePath(none)} does not exist`),
      }),
    );
    const pid = deadPid();
    expect(() => locateConsole(home({ pid, adminUrl: 'http://127.0.0.1:9401' }))).toThrow(
      expect.objectContaining({
        code: 'CD_E_HUB_NOT_RUNNING',
        message: expect.stringContaining(`names process ${pid}, which is gone`),
      }),
    );
    expect(() => locateConsole(home({}))).toThrow(
      expect.objectContaining({
        code: 'CD_E_HUB_NOT_RUNNING',
        message: expect.stringContaining('names no admin API'),
      }),
    );
  });

  it('prints the address and how to sign in; the token only when asked; --json; exit 3 with no hub', async () => {
    const h = home({ adminUrl: 'http://127.0.0.1:9401', adminToken: 'cdadm_local-secret' });
    const plain = await run(['admin', 'console'], h);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('The crossdock console: http://127.0.0.1:9401/console/');
    expect(plain.stdout).toContain('crossdock admin console --token');
    expect(plain.stdout).not.toContain('cdadm_local-secret');

    const token = await run(['admin', 'console', '--token', '--json'], h);
    expect(token.code).toBe(0);
    expect(JSON.parse(token.stdout)).toEqual({
      url: 'http://127.0.0.1:9401/console/',
      localToken: 'cdadm_local-secret',
    });

    const missing = await run(['admin', 'console'], home(undefined));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('error CD_E_HUB_NOT_RUNNING: no hub runs on this machine');
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const remote = await run(['admin', 'console', '--token'], home({ adminUrl: 'http://10.0.0.5:9401' }));
    expect(remote.code).toBe(3);
    expect(remote.stderr).toContain(
      'error CD_E_ADMIN_UNAUTHORIZED: the hub at http://10.0.0.5:9401/console/ made no local admin token',
    );
  });
});
