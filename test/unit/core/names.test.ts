import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { luaHeader } from '../../../core/lua';
import {
  csvKeys,
  deliveryKeys,
  fenceKeys,
  ingestKeys,
  redisPrefixFor,
  resolveRedisPrefix,
  routerKeys,
} from '../../../core/names/redis-keys';
import { DEFAULT_TOPIC_PREFIX, topicsForPrefix } from '../../../core/names/topics';

const ROOT = path.resolve(__dirname, '../../..');

/** Folders whose files may spell names: dependencies, tests, benchmarks, docs, the names module. */
const SKIP_DIRS = new Set([
  'node_modules',
  'test',
  'bench',
  'docs',
  path.join('core', 'names'),
  path.join('schemas', 'generated'),
]);

function sourceFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.name.startsWith('.') || SKIP_DIRS.has(r)) continue;
    if (e.isDirectory()) out.push(...sourceFiles(path.join(dir, e.name), r));
    else if (/\.(ts|js|mjs|cjs|lua)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(r);
  }
  return out.sort();
}

const KINDS = '(?:ingress|deliver|dlq|sink|unrouted)';
/** The default prefix spelled into a topic name: `cd.ingress.…`. */
const DEFAULT_TOPIC = new RegExp(`(?:^|[^\\w-])cd\\.${KINDS}\\b`);
/** A topic built from a prefix: the text right after `${prefix}` starts `.ingress.` and so on. */
const BUILT_TOPIC = new RegExp(`^\\.${KINDS}\\b`);
/** A hash tag spelled in a literal: `{cd:`, `{x:` (not `${NAME:-default}`, the configuration's env default). */
const TAG_LITERAL = /\{[\w-]*:(?!-)/;
/** A key built in a template: a hash tag closed and a key part added (`}:due`), or opened before a substitution. */
const BUILT_KEY = /\}:|\{$/;

/**
 * Names spelled outside core/names in one TypeScript/JavaScript source: what each string literal
 * or template piece says (comments and regular expressions are not literals and are not read).
 */
function nameLiterals(file: string, text: string): string[] {
  const found: string[] = [];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const report = (node: ts.Node, what: string) => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    found.push(`${file}:${line + 1}: ${what}: ${node.getText(sf).slice(0, 80)}`);
  };
  const check = (node: ts.Node, piece: string, afterSubstitution: boolean, beforeSubstitution: boolean) => {
    if (DEFAULT_TOPIC.test(piece)) report(node, 'topic name with the default prefix');
    if (afterSubstitution && BUILT_TOPIC.test(piece)) report(node, 'topic name built from a prefix');
    if (!afterSubstitution && !beforeSubstitution && BUILT_TOPIC.test(piece)) report(node, 'topic name part');
    if (TAG_LITERAL.test(piece)) report(node, 'Redis hash tag');
    if ((afterSubstitution || beforeSubstitution) && BUILT_KEY.test(piece)) report(node, 'Redis key built');
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (node.text === DEFAULT_TOPIC_PREFIX && !ts.isImportDeclaration(node.parent))
        report(node, 'the default topic prefix');
      check(node, node.text, false, false);
    } else if (ts.isTemplateExpression(node)) {
      check(node, node.head.text, false, true);
      node.templateSpans.forEach((span, i) =>
        check(node, span.literal.text, true, i < node.templateSpans.length - 1),
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Lua bodies (the contract header is documentation) must not spell a prefix or a tag either. */
function luaLiterals(file: string, text: string): string[] {
  const body = text.slice(text.indexOf(luaHeader(text)) + luaHeader(text).length).replace(/--[^\n]*/g, '');
  const found: string[] = [];
  for (const m of body.matchAll(/(['"])((?:(?!\1).)*)\1/g)) {
    const s = m[2]!;
    if (s === DEFAULT_TOPIC_PREFIX || TAG_LITERAL.test(s) || DEFAULT_TOPIC.test(s))
      found.push(`${file}: Lua string ${m[0]}`);
  }
  return found;
}

describe('names are spelled in core/names only', () => {
  it('no source file outside core/names spells a topic name, a Redis key or the default prefix', () => {
    const files = sourceFiles(ROOT);
    expect(files).toEqual(expect.arrayContaining(['router/component.ts', 'cli/commands/connector.ts']));
    const found = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      return f.endsWith('.lua') ? luaLiterals(f, text) : nameLiterals(f, text);
    });
    expect(found).toEqual([]);
  });

  it('the scan finds each kind of spelled name (and leaves comments, regexps and other strings alone)', () => {
    const src = [
      "const a = 'cd.ingress.us-chi';",
      'const b = `${prefix}.deliver.${id}`;',
      "const c = prefix + '.dlq.router';",
      'const d = `${ns}{cd:${sub}}:due`;',
      'const e = `${base}:${tag}}:file`;',
      "const f = opts.topicPrefix ?? 'cd';",
      "const g = '{cd:router:seen:a}';",
      '/** `cd.ingress.<site>` and `{cd:<sub>}` in a comment are fine. */',
      "const h = /\\.ingress\\./; const i = 'cd.skip'; const j = `${a}: ${b}`; const k = 'cd-route';",
    ].join('\n');
    const found = nameLiterals('sample.ts', src).map((l) => Number(/:(\d+):/.exec(l)![1]));
    expect([...new Set(found)]).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('core/names', () => {
  it('the default hub keeps the key layout it has always had', () => {
    const p = redisPrefixFor(DEFAULT_TOPIC_PREFIX);
    expect(p).toBe('cd:');
    expect(deliveryKeys(p, 'finance').held).toBe('cd:{cd:finance}:held');
    expect(routerKeys(p).seen('AB-1')).toBe('cd:{cd:router:seen:a}:AB-1');
    expect(fenceKeys(p, 'g').mark('cd.ingress.x/0')).toBe('cd:{cd:router:fence:g}:mark:cd.ingress.x/0');
    expect(ingestKeys(p, 'us-chi').quota()).toBe('cd:{cd:ingest:us-chi}:quota');
    expect(csvKeys(p, 'us-chi').file('abc')).toBe('cd:{cd:csv:us-chi}:file:abc');
  });

  it('another topic prefix moves every key and every hash tag with it', () => {
    const p = resolveRedisPrefix({ topicPrefix: 'acme' });
    const keys = [
      deliveryKeys(p, 'finance').due,
      routerKeys(p).seen('0f'),
      fenceKeys(p, 'g').owner('t/1'),
      ingestKeys(p, 's').idempotency('k'),
      csvKeys(p, 's').file('h'),
    ];
    for (const k of keys) {
      expect(k.startsWith('acme:{acme:')).toBe(true);
      expect(k).not.toMatch(/\bcd\b/);
    }
  });

  it('an explicit redisPrefix (tests) wins over the derived one; a bad one is refused with its source named', () => {
    expect(resolveRedisPrefix({ topicPrefix: 'acme', redisPrefix: 't-1:' })).toBe('t-1:');
    expect(resolveRedisPrefix({})).toBe('cd:');
    expect(() => resolveRedisPrefix({ redisPrefix: '' })).toThrow(/CD_E_REDIS_PREFIX_INVALID|redisPrefix/);
    expect(() => deliveryKeys('x{y}:', 's')).toThrow(
      expect.objectContaining({ code: 'CD_E_REDIS_PREFIX_INVALID' }),
    );
    expect(() => resolveRedisPrefix({ redisPrefix: 'no-colon' })).toThrow(
      /redisPrefix: Redis key prefix "no-colon"/,
    );
  });

  it('topics of a prefix, the Kafka sink default included', () => {
    const t = topicsForPrefix('acme');
    expect([t.ingress('s'), t.deliver('u'), t.dlqRouter, t.dlqDeliver('u'), t.unrouted, t.sink('u')]).toEqual(
      [
        'acme.ingress.s',
        'acme.deliver.u',
        'acme.dlq.router',
        'acme.dlq.deliver.u',
        'acme.unrouted',
        'acme.sink.u',
      ],
    );
    expect(t.siteOfIngress('acme.ingress.us-chi')).toBe('us-chi');
    expect(t.ingressPattern.test('acme.ingress.us-chi')).toBe(true);
    expect(t.ingressPattern.test('cd.ingress.us-chi')).toBe(false);
  });

  it('builds the names of a prefix once, and keeps prefixes apart past the cache bound', () => {
    expect(topicsForPrefix('acme')).toBe(topicsForPrefix('acme'));
    expect(Object.isFrozen(topicsForPrefix('acme'))).toBe(true);
    // More prefixes than the cache holds: every answer still names its own prefix.
    for (let i = 0; i < 300; i++) {
      const t = topicsForPrefix(`p${i}`);
      expect(t.dlqRouter).toBe(`p${i}.dlq.router`);
      expect(t.siteOfRouted(`p${i}.ingress.us-chi`)).toBe('us-chi');
      expect(t.siteOfRouted(`p${i === 0 ? 1 : 0}.ingress.us-chi`)).toBeUndefined();
    }
    expect(topicsForPrefix('acme').ingress('s')).toBe('acme.ingress.s');
  });
});
