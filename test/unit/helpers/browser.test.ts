import { findChromium, installCommands, type BrowserSystem } from '../../helpers/browser';

/** A machine where Chromium appears at /usr/bin/chromium once `apt-get install` succeeds. */
function machine(o: { present?: boolean; isRoot?: boolean; fail?: (cmd: string[]) => boolean }) {
  const ran: string[][] = [];
  let installed = Boolean(o.present);
  const system: BrowserSystem = {
    isRoot: o.isRoot ?? true,
    isExecutable: (p) => installed && p === '/usr/bin/chromium',
    run: async (command, args) => {
      const cmd = [command, ...args];
      ran.push(cmd);
      if (command === '/usr/bin/chromium') return { stdout: 'Chromium 156.0 built on Debian\n' };
      if (o.fail?.(cmd))
        throw Object.assign(new Error('failed'), {
          code: 100,
          stderr: 'E: Unable to locate package chromium',
        });
      if (args.includes('install')) installed = true;
      return { stdout: '' };
    },
  };
  return { system, ran };
}

describe('test helper: finding Debian Chromium for the browser tests', () => {
  const env = {};

  it('uses the Chromium that is there, asking only its version', async () => {
    const m = machine({ present: true });
    const found = await findChromium({ env, system: m.system });
    expect(found).toMatchObject({
      executablePath: '/usr/bin/chromium',
      how: 'present',
      version: 'Chromium 156.0 built on Debian',
    });
    expect(m.ran).toEqual([['/usr/bin/chromium', '--version']]);
  });

  it('installs it through apt-get when missing (as root), and says so', async () => {
    const m = machine({});
    const lines: string[] = [];
    const found = await findChromium({ env, system: m.system, log: (l) => lines.push(l) });
    expect(found).toMatchObject({ how: 'installed', command: installCommands(true)[1]!.join(' ') });
    expect(m.ran[0]).toEqual([
      'apt-get',
      '-q',
      '-o',
      'DPkg::Lock::Timeout=300',
      'install',
      '-y',
      '--no-install-recommends',
      'chromium',
    ]);
    expect(lines[0]).toContain('installing it with: apt-get');
  });

  it('updates the package lists first when the install alone fails; through sudo -n when not root', async () => {
    let first = true;
    const m = machine({
      isRoot: false,
      fail: (cmd) => {
        const f = first && cmd.includes('install');
        if (f) first = false;
        return f;
      },
    });
    await findChromium({ env, system: m.system });
    const [update, install] = installCommands(false).map((c) => c.join(' '));
    expect(update).toMatch(/^sudo -n apt-get .* update$/);
    expect(m.ran.map((c) => c.join(' '))).toEqual([install, update, install, '/usr/bin/chromium --version']);
  });

  it('fails with CD_E_TEST_BROWSER_MISSING naming the command when it cannot install', async () => {
    const m = machine({ fail: () => true });
    await expect(findChromium({ env, system: m.system })).rejects.toMatchObject({
      code: 'CD_E_TEST_BROWSER_MISSING',
      message: expect.stringMatching(
        /`apt-get .* update && apt-get .* install -y --no-install-recommends chromium` failed \(exit 100\): E: Unable to locate package chromium/,
      ),
    });
  });
});
