import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CrossdockError, defineCodes } from '../../core/errors';

/**
 * The browser of the browser tests: Debian's Chromium, driven by playwright-core. Never a browser
 * download: when /usr/bin/chromium is missing, the system package manager installs it
 * (`apt-get install -y chromium`, as root; through `sudo -n` otherwise), and when that cannot work
 * the tests stop with CD_E_TEST_BROWSER_MISSING naming the command to run.
 *
 * Contract: `findChromium()` answers the executable, its version and how it was found (`present`
 * or `installed`), in one line for the test's output (`describeBrowser`); with the browser present
 * it costs one `--version` call. `launchChromium()` starts it headless with this machine's flags
 * (no network use of its own, no sandbox: tests run as root in a container) and a fresh profile
 * (playwright-core makes a new --user-data-dir for every launch and removes it on close).
 */
export const BROWSER_TEST_CODES = defineCodes({
  CD_E_TEST_BROWSER_MISSING: {
    meaning:
      'The browser tests need Chromium at /usr/bin/chromium (or CROSSDOCK_CHROMIUM) and it is neither there nor could the system package manager install it.',
    action: 'Run the command the message names (as root), then run the tests again.',
    retriable: false,
  },
});

const run = promisify(execFile);

/** Where the tests look, in order: an explicit path, then Debian's packages. */
export function chromiumCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.CROSSDOCK_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string =>
    Boolean(p),
  );
}

/** The flags of every launch on this machine (headless, no network of Chromium's own). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface FoundBrowser {
  executablePath: string;
  /** What `chromium --version` printed (`Chromium 156.0.8078.114 built on Debian …`). */
  version: string;
  /** `present`: it was there; `installed`: this run installed it with `command`. */
  how: 'present' | 'installed';
  command?: string;
  /** Milliseconds spent finding (and installing) it. */
  ms: number;
}

/** What finding and installing touch on this machine (tests of this helper give their own). */
export interface BrowserSystem {
  isExecutable(path: string): boolean;
  /** Runs a command; rejects with `{ code, stderr }` when it fails. */
  run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string }>;
  isRoot: boolean;
}

const thisMachine = (): BrowserSystem => ({
  isExecutable: (p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  run: (command, args, env) => run(command, args, { env, timeout: 600_000, maxBuffer: 64 << 20 }),
  isRoot: process.getuid?.() === 0,
});

/** The install commands for this user: root runs apt-get, anyone else through `sudo -n`. */
export function installCommands(isRoot: boolean): string[][] {
  const apt = (args: string[]) => (isRoot ? ['apt-get', ...args] : ['sudo', '-n', 'apt-get', ...args]);
  const quiet = ['-q', '-o', 'DPkg::Lock::Timeout=300'];
  return [apt([...quiet, 'update']), apt([...quiet, 'install', '-y', '--no-install-recommends', 'chromium'])];
}

async function install(sys: BrowserSystem, log: (line: string) => void): Promise<string> {
  const commands = installCommands(sys.isRoot);
  const shown = commands.map((c) => c.join(' ')).join(' && ');
  log(`browser: Chromium is missing; installing it with: ${shown}`);
  // The package lists may be current already: try the install alone first, update only if it fails.
  const installOnly = commands[1]!;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const attempt = (cmd: string[]) => sys.run(cmd[0]!, cmd.slice(1), env);
  try {
    await attempt(installOnly);
    return installOnly.join(' ');
  } catch {
    try {
      for (const cmd of commands) await attempt(cmd);
    } catch (err) {
      const e = err as { code?: unknown; stderr?: string; message?: string };
      const why = String(e.stderr || e.message || err)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ');
      const exit = typeof e.code === 'number' ? ` (exit ${e.code})` : e.code ? ` (${String(e.code)})` : '';
      throw new CrossdockError(
        'CD_E_TEST_BROWSER_MISSING',
        `Chromium is not installed and \`${shown}\` failed${exit}: ${why}. Run that command as root, then run the tests again.`,
        { details: { command: shown } },
      );
    }
  }
  return shown;
}

/** Finds Debian's Chromium, installing it through the package manager when it is missing. */
export async function findChromium(
  options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; system?: BrowserSystem } = {},
): Promise<FoundBrowser> {
  const started = performance.now();
  const sys = options.system ?? thisMachine();
  const log = options.log ?? (() => {});
  const candidates = chromiumCandidates(options.env);
  const versionOf = async (executable: string) => (await sys.run(executable, ['--version'])).stdout.trim();
  const present = candidates.find((p) => sys.isExecutable(p));
  if (present)
    return {
      executablePath: present,
      version: await versionOf(present),
      how: 'present',
      ms: performance.now() - started,
    };
  const command = await install(sys, log);
  const installed = candidates.find((p) => sys.isExecutable(p));
  if (!installed)
    throw new CrossdockError(
      'CD_E_TEST_BROWSER_MISSING',
      `\`${command}\` ran but no Chromium is at ${candidates.join(' or ')}`,
      { details: { command } },
    );
  return {
    executablePath: installed,
    version: await versionOf(installed),
    how: 'installed',
    command,
    ms: performance.now() - started,
  };
}

/** One line for the test's output: how the browser was found. */
export function describeBrowser(b: FoundBrowser): string {
  return b.how === 'present'
    ? `browser: ${b.version} already at ${b.executablePath} (checked in ${Math.round(b.ms)} ms)`
    : `browser: ${b.version} installed now at ${b.executablePath} with \`${b.command}\` (${(b.ms / 1000).toFixed(1)} s)`;
}

/** Chromium headless with this machine's flags and a fresh profile. */
export async function launchChromium(b: FoundBrowser): Promise<Browser> {
  return chromium.launch({ executablePath: b.executablePath, args: [...CHROMIUM_FLAGS], headless: true });
}
