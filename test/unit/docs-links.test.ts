import fs from 'node:fs';
import path from 'node:path';

/**
 * The docs stand on their own in a clone: every relative markdown link in README.md and docs/
 * resolves to a file of the repository (and, for a `#fragment` into a markdown file, to one of
 * its headings), and no file names documents that live outside the repository.
 */
const root = path.resolve(__dirname, '../..');

/** Folders that are not the project's own text (dependencies, VCS data, local output). */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'coverage', 'dist']);
const TEXT_FILE = /\.(md|ts|js|cjs|mjs|lua|sh|ya?ml|json|java|properties)$|^run$/;

function walk(dir: string, keep: (file: string) => boolean, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(p, keep, out);
    } else if (keep(p)) out.push(p);
  }
  return out;
}

function markdownFiles(): string[] {
  return [path.join(root, 'README.md'), ...walk(path.join(root, 'docs'), (f) => f.endsWith('.md'))];
}

/** Markdown without its fenced code blocks. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Markdown without code blocks and inline code spans (their brackets are not links). */
function proseOf(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links `[text](target "title")` and reference definitions `[id]: target`. */
function linkTargets(markdown: string): string[] {
  const prose = proseOf(markdown);
  const inline = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const refs = [...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...refs];
}

/** GitHub's anchors for a document's headings (lower case, punctuation dropped, spaces as '-'). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** What is wrong with one link target of `file`, or undefined when it resolves. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: …: not a file
  const [rawPath, fragment] = target.split('#', 2) as [string, string | undefined];
  const resolved = rawPath === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(rawPath));
  const rel = path.relative(root, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return 'points outside the repository';
  if (!fs.existsSync(resolved)) return 'no such file';
  if (
    fragment &&
    resolved.endsWith('.md') &&
    !headingAnchors(fs.readFileSync(resolved, 'utf8')).has(fragment)
  )
    return `no heading #${fragment} in ${rel}`;
  return undefined;
}

describe('docs links', () => {
  it('reads the link forms the docs use', () => {
    const md = '[a](b.md) [c](d.md#e "t") `[x](nope.md)`\n```\n[y](nope.md)\n```\n[r]: f.md\n';
    expect(linkTargets(md)).toEqual(['b.md', 'd.md#e', 'f.md']);
    expect(headingAnchors('# One: two\n## One: two\n### `a.b` c\n')).toEqual(
      new Set(['one-two', 'one-two-1', 'ab-c']),
    );
  });

  it('every relative link in README.md and docs/ resolves to a file of the repository', () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(5);
    const broken = files.flatMap((file) =>
      linkTargets(fs.readFileSync(file, 'utf8')).flatMap((target) => {
        const problem = brokenLink(file, target);
        return problem ? [`${path.relative(root, file)}: (${target}) ${problem}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });

  it('no file names documents outside the repository (../shared, DESIGN.md, STACK.md, BENCH.md)', () => {
    const outside = /\.\.\/shared\b|\b(?:DESIGN|STACK|BENCH)\.md\b/;
    const self = path.resolve(__filename);
    const files = walk(root, (f) => TEXT_FILE.test(path.basename(f)) && path.resolve(f) !== self);
    const found = files.flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          outside.test(line) ? [`${path.relative(root, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(found).toEqual([]);
  });
});
