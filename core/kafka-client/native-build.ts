import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CrossdockError, describeError } from '../errors';
import { applyNativePatches } from './native-patches';
import { NATIVE_CLIENT, nativeClientDir, nativeFailureFile, type NativeFailure } from './native-where';

/**
 * Builds the librdkafka-based client (@confluentinc/kafka-javascript) into the cache, outside
 * node_modules, so that a plain `npm install` brings it (package.json "postinstall" runs
 * scripts/native-client.ts, which calls this).
 *
 * Why not a dependency in package.json: its install script downloads a prebuilt binary and, when
 * that fails (no network to GitHub here), builds the bundled librdkafka, which needs
 * CKJS_LINKING=dynamic (link the system's OpenSSL and zlib rather than download their sources).
 * The package reads that variable from the environment only, and npm gives a dependency's install
 * script no way to set it; a failed optional dependency is silently dropped. So the project sets
 * it itself: `npm pack` the pinned version, unpack it into a build folder, apply crossdock's source
 * patches to it (native-patches.ts), `npm install` its own
 * dependencies there with the variable set, check that the binding loads in a fresh process, then
 * move the folder into place in one rename (an interrupted build never looks finished).
 *
 * Contract: resolves with the folder when the client loads from it (built now or before); throws
 * CD_E_KAFKA_NATIVE_BUILD with the step, the build log's path and its last lines otherwise, and
 * then leaves `<folder>.failed.json` behind so the hub can say why it runs on kafkajs.
 */

export interface NativeBuildOptions {
  /** The cache root (CROSSDOCK_CACHE_DIR, default ~/.crossdock/cache). */
  cacheDir: string;
  /** One line per step and a heartbeat while a step runs. */
  progress: (line: string) => void;
  /** The npm command line; the parent npm's own when run as a lifecycle script. */
  npm?: { command: string; args: string[] };
  env?: NodeJS.ProcessEnv;
  /** How often a running step says it is still running. @defaultValue 20000 */
  heartbeatMs?: number;
}

export interface NativeBuildResult {
  dir: string;
  /** False when a finished build was already in the cache. */
  built: boolean;
  librdkafkaVersion: string;
  seconds: number;
}

interface StepResult {
  code: number | null;
  tail: string;
}

/** The npm that runs this lifecycle script (npm_execpath), else `npm` on PATH. */
export function npmCommand(env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } {
  const execPath = env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath)) return { command: process.execPath, args: [execPath] };
  return { command: 'npm', args: [] };
}

/**
 * The environment for the nested npm: the parent npm's lifecycle variables (npm_config_prefix,
 * npm_config_local_prefix, npm_package_*) would point the nested install at the project, so they
 * go; the cache, registry, user config and node-gyp stay.
 */
export function nestedNpmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = new Set([
    'npm_config_cache',
    'npm_config_registry',
    'npm_config_userconfig',
    'npm_config_node_gyp',
  ]);
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_/i.test(k) && !keep.has(k.toLowerCase())) continue;
    out[k] = v;
  }
  out.CKJS_LINKING = 'dynamic';
  return out;
}

function runStep(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; log: fs.WriteStream },
): Promise<StepResult> {
  return new Promise((resolve) => {
    opts.log.write(`\n$ ${[command, ...args].join(' ')}   (in ${opts.cwd})\n`);
    let tail = '';
    const keep = (d: Buffer) => {
      opts.log.write(d);
      tail = (tail + d.toString()).slice(-4000);
    };
    let child;
    try {
      child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      return resolve({ code: null, tail: describeError(err) });
    }
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => resolve({ code: null, tail: tail + describeError(err) }));
    child.once('close', (code) => resolve({ code, tail }));
  });
}

/** Loads the client from `dir` in a fresh process; its librdkafka version, or why not. */
export async function probeNativeClient(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: true; librdkafkaVersion: string } | { ok: false; reason: string }> {
  const script = `const m = require(${JSON.stringify(dir)}); if (!m.KafkaJS || !m.KafkaJS.Kafka) throw new Error('no KafkaJS API'); process.stdout.write(String(m.librdkafkaVersion));`;
  const res = await new Promise<StepResult & { out: string }>((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e) => resolve({ code: null, tail: describeError(e), out }));
    child.once('close', (code) => resolve({ code, tail: err, out }));
  });
  if (res.code === 0 && res.out) return { ok: true, librdkafkaVersion: res.out.trim() };
  const firstLine = res.tail.split('\n').find((l) => /Error|error:/.test(l)) ?? res.tail.split('\n')[0] ?? '';
  return { ok: false, reason: firstLine.trim() || `exit ${res.code}` };
}

export async function buildNativeClient(options: NativeBuildOptions): Promise<NativeBuildResult> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const dir = nativeClientDir(options.cacheDir);
  const failureFile = nativeFailureFile(options.cacheDir);
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;

  if (fs.existsSync(dir)) {
    const probe = await probeNativeClient(dir, env);
    if (probe.ok) {
      fs.rmSync(failureFile, { force: true });
      return { dir, built: false, librdkafkaVersion: probe.librdkafkaVersion, seconds: seconds() };
    }
    options.progress(`the cached build in ${dir} does not load (${probe.reason}); building it again`);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = `${dir}.build-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const logFile = `${dir}.build.log`;
  const log = fs.createWriteStream(logFile);
  const npm = options.npm ?? npmCommand(env);
  const npmEnv = nestedNpmEnv(env);

  const fail = (step: string, res: StepResult | { tail: string; code?: number | null }): never => {
    log.end();
    fs.rmSync(work, { recursive: true, force: true });
    const tail = res.tail.trim().split('\n').slice(-12).join('\n');
    const failure: NativeFailure = {
      code: 'CD_E_KAFKA_NATIVE_BUILD',
      step,
      message: `${step} failed${res.code !== undefined ? ` (exit ${res.code})` : ''}`,
      log: logFile,
      at: new Date().toISOString(),
    };
    fs.writeFileSync(failureFile, JSON.stringify(failure, null, 2) + '\n');
    throw new CrossdockError(
      'CD_E_KAFKA_NATIVE_BUILD',
      `Building the native Kafka client (${NATIVE_CLIENT.package} ${NATIVE_CLIENT.version}) failed at "${step}"; the hub runs on kafkajs. Full log: ${logFile}\n${tail}`,
      { details: { step, log: logFile } },
    );
  };

  const timed = async (what: string, short: string, step: () => Promise<StepResult>): Promise<StepResult> => {
    options.progress(what);
    const timer = setInterval(
      () => options.progress(`  … ${short} (${seconds()} s)`),
      options.heartbeatMs ?? 20000,
    );
    try {
      return await step();
    } finally {
      clearInterval(timer);
    }
  };

  const spec = `${NATIVE_CLIENT.package}@${NATIVE_CLIENT.version}`;
  const pack = await timed(`fetching ${spec} from the npm registry`, 'fetching', () =>
    runStep(npm.command, [...npm.args, 'pack', spec, '--pack-destination', work], {
      cwd: work,
      env: npmEnv,
      log,
    }),
  );
  const tarball = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (pack.code !== 0 || !tarball) fail('npm pack', pack);
  const pkgDir = path.join(work, 'package');
  fs.mkdirSync(pkgDir);
  const untar = await runStep(
    'tar',
    ['-xzf', path.join(work, tarball!), '-C', pkgDir, '--strip-components=1'],
    {
      cwd: work,
      env,
      log,
    },
  );
  if (untar.code !== 0) fail('unpacking', untar);
  try {
    const patched = applyNativePatches(pkgDir);
    log.write(`\npatched the sources: ${patched.join(', ')}\n`);
    options.progress(
      `patched librdkafka's sources: ${patched.join(', ')} (core/kafka-client/native-patches.ts)`,
    );
  } catch (err) {
    fail('patching the sources', { tail: describeError(err) });
  }

  const install = await timed(
    `building librdkafka ${NATIVE_CLIENT.librdkafka} and its Node binding (CKJS_LINKING=dynamic; 2 to 5 minutes, once)`,
    'building',
    () =>
      runStep(
        npm.command,
        [
          ...npm.args,
          'install',
          '--omit=dev',
          '--no-audit',
          '--no-fund',
          '--no-package-lock',
          '--foreground-scripts',
        ],
        { cwd: pkgDir, env: npmEnv, log },
      ),
  );
  if (install.code !== 0) fail('npm install (the native build)', install);

  const probe = await probeNativeClient(pkgDir, env);
  if (!probe.ok) fail('loading the built binding', { tail: probe.reason });
  log.end();

  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(pkgDir, dir);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(failureFile, { force: true });
  return {
    dir,
    built: true,
    librdkafkaVersion: (probe as { librdkafkaVersion: string }).librdkafkaVersion,
    seconds: seconds(),
  };
}
