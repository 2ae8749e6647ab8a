import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../../cli/main';
import { allCodes } from '../../../hub';

/**
 * docs/security.md stays true to the code: every `crossdock …` command line it shows exists with
 * the options it uses, every CD_E_ code it names is in the catalog, and every variable of the
 * hub's own (`CROSSDOCK_…`, `REDIS_URL`) it names is read by the code (or named by the example
 * configuration, or of a family the code builds, like `CROSSDOCK_KEY_<SITE>`).
 *
 * A paragraph, list item or table holding `<!-- pending: <helper> -->` describes work not on main
 * yet and is left out; the lead removes the marker when the work lands, and from then on the
 * checks hold for it too.
 */
const root = path.resolve(__dirname, '../../..');
const DOC = 'docs/security.md';

const PENDING = /<!--\s*pending:\s*([^\s>]+)\s*-->/g;

/** One piece of the page: a paragraph, a list item (with its fenced blocks) or a table. */
interface Piece {
  line: number;
  text: string;
  pending: boolean;
}

/**
 * Splits Markdown into pieces: blank lines end a piece outside fenced blocks, and a list item
 * (`- `, `* `, `1. ` indented at most three spaces) starts a new one.
 */
function piecesOf(markdown: string): Piece[] {
  const pieces: Piece[] = [];
  let current: { line: number; lines: string[] } | undefined;
  let fence: string | undefined;
  const flush = () => {
    if (current?.lines.length) {
      const text = current.lines.join('\n');
      pieces.push({ line: current.line, text, pending: /<!--\s*pending:/.test(text) });
    }
    current = undefined;
  };
  markdown.split('\n').forEach((line, i) => {
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fence) {
      current!.lines.push(line);
      if (fenceMark === fence) fence = undefined;
      return;
    }
    if (line.trim() === '') return flush();
    if (/^ {0,3}(?:[-*]|\d+\.)\s/.test(line)) flush();
    current ??= { line: i + 1, lines: [] };
    current.lines.push(line);
    if (fenceMark) fence = fenceMark;
  });
  flush();
  return pieces;
}

/** The `crossdock …` command lines of a piece: inline code spans and lines of fenced blocks. */
function commandsOf(text: string): string[] {
  const out: string[] = [];
  const START = /^(?:\$\s+)?(?:npx\s+)?crossdock(?=\s|$)/;
  let inFence = false;
  let continued = '';
  for (const raw of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      const line = continued + raw.trim();
      continued = '';
      if (line.endsWith('\\')) {
        continued = line.slice(0, -1) + ' ';
        continue;
      }
      if (START.test(line)) out.push(line);
      continue;
    }
    for (const m of raw.matchAll(/`([^`\n]+)`/g)) if (START.test(m[1]!.trim())) out.push(m[1]!.trim());
  }
  return out;
}

/** Whitespace-separated words of a command line, up to a shell operator or comment. */
function wordsOf(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'[^']*'|"[^"]*"|\S+/g)) {
    const w = m[0];
    if (w === '#' || /^(?:\||&&|;|>|<|2>&1|\))$/.test(w)) break;
    words.push(w);
  }
  return words;
}

/** What is wrong with one command line against the CLI, or undefined when it holds. */
function commandProblem(program: Command, line: string): string | undefined {
  const words = wordsOf(line).filter((w) => w !== '$' && w !== 'npx');
  if (words[0] !== 'crossdock') return `does not start with crossdock`;
  let cmd = program;
  const chain = ['crossdock'];
  let i = 1;
  // Subcommands first: every bare word is one while the command has subcommands.
  while (i < words.length && !words[i]!.startsWith('-') && cmd.commands.length > 0) {
    const name = words[i]!;
    if (/^<[^>]+>$/.test(name)) return undefined; // `crossdock <command> --help`: any command
    const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!sub) return `${chain.join(' ')} has no command ${name}`;
    cmd = sub;
    chain.push(name);
    i++;
  }
  let positionals = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--help' || w === '-h') continue;
    if (w.startsWith('-') && w !== '-') {
      const flag = w.split('=', 1)[0]!;
      const option = cmd.options.find((o) => o.long === flag || o.short === flag);
      if (!option) return `${chain.join(' ')} has no option ${flag}`;
      if (option.required && !w.includes('=')) i++; // its value
      continue;
    }
    positionals++;
  }
  const args = cmd.registeredArguments;
  const variadic = args.length > 0 && args[args.length - 1]!.variadic;
  if (!variadic && positionals > args.length)
    return `${chain.join(' ')} takes ${args.length} argument(s), the line gives ${positionals}`;
  return undefined;
}

/** The code that may read a variable: sources, scripts, the binary, compose file, example configs. */
function codeCorpus(): string {
  const dirs = [
    'bin',
    'cli',
    'connectors',
    'core',
    'demo',
    'dlq',
    'hub',
    'retry',
    'router',
    'schemas',
    'scripts',
    'stack',
    'bench',
  ];
  const texts: string[] = [];
  const walk = (dir: string, keep: RegExp) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p, keep);
      } else if (keep.test(e.name)) texts.push(fs.readFileSync(p, 'utf8'));
    }
  };
  for (const d of dirs) walk(path.join(root, d), /\.(ts|js|cjs|mjs|sh)$/);
  walk(path.join(root, 'examples'), /\.ya?ml$/);
  texts.push(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
  return texts.join('\n');
}

const VARIABLE = /\b(?:CROSSDOCK_[A-Z0-9_]+|REDIS_URL)\b/g;

/** Whether the code reads `name`, or builds names of its family (`CROSSDOCK_KEY_${…}`). */
function variableKnown(corpus: string, name: string): boolean {
  if (new RegExp(`\\b${name}\\b`).test(corpus)) return true;
  const families = [...corpus.matchAll(/\b(CROSSDOCK_[A-Z0-9_]*_)\$\{/g)].map((m) => m[1]!);
  return families.some((prefix) => name.startsWith(prefix) && name.length > prefix.length);
}

describe('docs/security.md', () => {
  const doc = fs.readFileSync(path.join(root, DOC), 'utf8');
  const pieces = piecesOf(doc);
  const live = pieces.filter((p) => !p.pending);

  it('reads the forms the page uses', () => {
    const md = [
      'Run `crossdock keys` or `npx crossdock send us-chi --file f`; `crossdock://x` is no command.',
      '',
      '1. first',
      '   ```sh',
      '   crossdock config apply hub.yaml   # note',
      '',
      '   crossdock site add x \\',
      '     --kind sdk',
      '   ```',
      '2. <!-- pending: spine --> `crossdock acl plan`',
      '',
      '<!-- pending: stackhard -->',
      '| a |',
    ].join('\n');
    const got = piecesOf(md);
    expect(got.map((p) => [p.line, p.pending])).toEqual([
      [1, false],
      [3, false],
      [10, true],
      [12, true],
    ]);
    expect(commandsOf(got[0]!.text)).toEqual(['crossdock keys', 'npx crossdock send us-chi --file f']);
    expect(commandsOf(got[1]!.text)).toEqual([
      'crossdock config apply hub.yaml   # note',
      'crossdock site add x  --kind sdk',
    ]);
    const program = buildProgram(() => undefined);
    expect(commandProblem(program, 'crossdock site add x --kind sdk --no-scram')).toBeUndefined();
    expect(commandProblem(program, 'crossdock nosuch plan')).toBe('crossdock has no command nosuch');
    expect(commandProblem(program, 'crossdock keys --force')).toBe('crossdock keys has no option --force');
    expect(commandProblem(program, 'crossdock audit list config.apply')).toMatch(/takes 0 argument/);
    expect(commandProblem(program, 'crossdock <command> --help')).toBeUndefined();
    expect(variableKnown('x CROSSDOCK_KEY_${site} REDIS_URL', 'CROSSDOCK_KEY_US_CHI_2026B')).toBe(true);
    expect(variableKnown('x CROSSDOCK_KEY_${site}', 'CROSSDOCK_NOPE')).toBe(false);
  });

  it('names only crossdock commands and options that exist', () => {
    const program = buildProgram(() => undefined);
    const lines = live.flatMap((p) => commandsOf(p.text).map((c) => ({ line: p.line, c })));
    expect(lines.length).toBeGreaterThan(10);
    const wrong = lines.flatMap(({ line, c }) => {
      const problem = commandProblem(program, c);
      return problem ? [`${DOC}:${line}: \`${c}\`: ${problem}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('names only CD_E_ codes of the catalog', () => {
    const catalog = allCodes();
    const named = live.flatMap((p) =>
      [...p.text.matchAll(/\bCD_E_[A-Z0-9_]+\b/g)].map((m) => ({ p, code: m[0] })),
    );
    expect(named.length).toBeGreaterThan(10);
    const unknown = named
      .filter(({ code }) => !catalog.has(code))
      .map(({ p, code }) => `${DOC}:${p.line}: ${code}`);
    expect(unknown).toEqual([]);
  });

  it("names only variables of the hub's that the code reads", () => {
    const corpus = codeCorpus();
    const named = live.flatMap((p) => [...p.text.matchAll(VARIABLE)].map((m) => ({ p, name: m[0] })));
    expect(named.length).toBeGreaterThan(3);
    const unread = named
      .filter(({ name }) => !variableKnown(corpus, name))
      .map(({ p, name }) => `${DOC}:${p.line}: ${name}`);
    expect(unread).toEqual([]);
  });

  it('marks pending work with the name of who builds it', () => {
    const names = [...doc.matchAll(PENDING)].map((m) => m[1]!);
    expect(names.filter((n) => !/^[a-z][a-z0-9-]*$/.test(n))).toEqual([]);
    // A marker must parse as one: a misspelt one would hide nothing and fail nothing.
    expect((doc.match(/<!--\s*pending/g) ?? []).length).toBe(names.length);
  });

  it('is linked from README.md and docs/design.md', () => {
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('(docs/security.md)');
    expect(fs.readFileSync(path.join(root, 'docs/design.md'), 'utf8')).toContain('(security.md)');
  });
});
