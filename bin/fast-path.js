'use strict';
/**
 * `crossdock --version` and `crossdock --help` without TypeScript: registering tsx and compiling the
 * CLI's modules costs more than Node's own start-up, and these two are what a person types first.
 *
 * - `--version` (`-V`) reads package.json.
 * - `--help` (`-h`) prints the text cli/main.ts topLevelHelp() made last time, kept in a cache file
 *   with the size and modification time of every file that went into it (the CLI's modules,
 *   commander, package.json) and the output width. Any change to one of them, a different width or
 *   no cache makes it again (through tsx, as the CLI runs) and keeps it for the next time.
 *
 * Anything else, a subcommand's --help included, goes to the CLI as usual.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** One cache file per checkout (its path in the name), in a folder of this user's. */
const CACHE_FILE = path.join(
  os.tmpdir(),
  `crossdock-cli-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`,
  `help${path.resolve(__dirname, '..').replace(/[^A-Za-z0-9]+/g, '_')}.json`,
);

/** What decides whether a file changed: its size and modification time ('-' when it is gone). */
function stamp(file) {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

/** The kept help text for this width, or undefined when there is none or any of its files changed. */
function readHelp(cacheFile, width) {
  try {
    const kept = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    if (kept.width !== (width ?? null) || typeof kept.text !== 'string' || !kept.files) return undefined;
    for (const [file, was] of Object.entries(kept.files)) if (stamp(file) !== was) return undefined;
    return kept.text;
  } catch {
    return undefined;
  }
}

/** Keeps `text` with the stamps of `files` (a failure to write only means no cache next time). */
function saveHelp(cacheFile, width, text, files) {
  const tmp = `${cacheFile}.${process.pid}`;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    const stamps = Object.fromEntries(files.map((f) => [f, stamp(f)]));
    fs.writeFileSync(tmp, JSON.stringify({ width: width ?? null, text, files: stamps }));
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** The help text, from the cache or made now (then kept). */
function helpText(cacheFile, width) {
  const kept = readHelp(cacheFile, width);
  if (kept !== undefined) return kept;
  require('tsx/cjs');
  const loader = new Set(Object.keys(require.cache));
  const text = require('../cli/main.ts').topLevelHelp(width);
  const files = Object.keys(require.cache).filter((f) => !loader.has(f));
  saveHelp(cacheFile, width, text, files);
  return text;
}

/**
 * Answers `args` (process.argv after the script) when it is `--version`/`-V` or `--help`/`-h`
 * alone, and returns true; false for anything else.
 */
function answer(args, stdout = process.stdout, cacheFile = CACHE_FILE) {
  if (args.length !== 1) return false;
  const arg = args[0];
  if (arg === '--version' || arg === '-V') {
    stdout.write(`${require('../package.json').version}\n`);
    return true;
  }
  if (arg !== '--help' && arg !== '-h') return false;
  // The width commander wraps the help to: the terminal's, or its default when not a terminal.
  const width = stdout.isTTY ? stdout.columns : undefined;
  stdout.write(helpText(cacheFile, width));
  return true;
}

module.exports = { answer, readHelp, saveHelp, CACHE_FILE };
