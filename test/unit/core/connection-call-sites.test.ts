import fs from 'node:fs';
import path from 'node:path';

/**
 * The hub's clients take their connection (TLS, SASL, registry auth, Redis password) from
 * Endpoints (core/connection.ts). The bare forms (a broker list, a URL string) still work for
 * tests and benches, so nothing but this test stops production code from slipping back to them
 * and connecting without the operator's security settings.
 */
const ROOT = path.resolve(__dirname, '../../..');
const PRODUCTION_DIRS = [
  'core',
  'router',
  'connectors',
  'dlq',
  'hub',
  'cli',
  'demo',
  'schemas',
  'retry',
  'stack',
  'sites',
];
/** The one place allowed to make its own clients: the stack's "does it answer" probes of its own parts. */
const ALLOWED_FILES = new Set(['stack/probes.ts']);

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true, recursive: true }).flatMap((d) => {
    if (!d.isFile() || !d.name.endsWith('.ts') || d.name.endsWith('.d.ts')) return [];
    return [path.relative(ROOT, path.join(d.parentPath, d.name))];
  });
}

/** The text between the parenthesis at `open` and its match. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** The first argument with the insides of nested brackets dropped (top-level keys stay). */
function firstArgumentShape(args: string): string {
  let depth = 0;
  let out = '';
  for (const ch of args) {
    if (ch === ',' && depth === 0) break;
    if ('([{'.includes(ch)) {
      depth++;
      if (depth === 1 && ch === '{') out += ch;
      continue;
    }
    if (')]}'.includes(ch)) {
      depth--;
      if (depth === 0 && ch === '}') out += ch;
      continue;
    }
    if (depth <= 1) out += ch;
  }
  return out.trim();
}

interface Finding {
  file: string;
  line: number;
  call: string;
  why: string;
}

const OPTION_RULES: Array<{ call: string; banned: RegExp; why: string }> = [
  {
    call: 'createKafka',
    banned: /(^|[{,\s])(brokers|sasl)\s*[:,}]/,
    why: 'pass `connection: endpoints.kafka`, not `brokers`/`sasl`',
  },
  {
    call: 'createRedis',
    banned: /(^|[{,\s])url\s*[:,}]/,
    why: 'pass `connection: endpoints.redis`, not `url`',
  },
];
const REGISTRY_CALLS = ['createSchemaResolver', 'createRegistry', 'registryRequest', 'schemaIdByUrl'];
/** A first argument that is a URL: a string literal, a template, or a name ending in Url/url. */
const URL_ARGUMENT = /^(['"`]|[\w.]*(Url|url)\b(\s*\)|$)|[\w.]*\.(registryUrl|url)$)/;

function findBareConnections(file: string, text: string): Finding[] {
  const found: Finding[] = [];
  const lineOf = (i: number) => text.slice(0, i).split('\n').length;
  for (const rule of OPTION_RULES) {
    for (const m of text.matchAll(new RegExp(`\\b${rule.call}\\(`, 'g'))) {
      if (/function\s+$/.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
      const shape = firstArgumentShape(argumentsAt(text, m.index + rule.call.length));
      if (rule.banned.test(shape))
        found.push({ file, line: lineOf(m.index), call: rule.call, why: rule.why });
    }
  }
  for (const call of REGISTRY_CALLS) {
    for (const m of text.matchAll(new RegExp(`\\b${call}\\(`, 'g'))) {
      if (/function\s+$/.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
      const first = firstArgumentShape(argumentsAt(text, m.index + call.length));
      if (URL_ARGUMENT.test(first))
        found.push({
          file,
          line: lineOf(m.index),
          call,
          why: 'pass the RegistryConnection (endpoints.registry), not a URL',
        });
    }
  }
  for (const m of text.matchAll(/\bids:\s*([\w.]+)/g)) {
    if (/(Url|url)$/.test(m[1]!))
      found.push({
        file,
        line: lineOf(m.index),
        call: 'ids',
        why: 'schema ids from endpoints.registry, not a URL',
      });
  }
  if (file !== 'core/redis.ts')
    for (const m of text.matchAll(/\bnew Redis\(/g))
      found.push({
        file,
        line: lineOf(m.index),
        call: 'new Redis',
        why: 'make Redis clients with createRedis({ connection })',
      });
  return found;
}

describe('production code connects with the connection objects', () => {
  it('the check finds the bare forms it is meant to find', () => {
    const sample = [
      "const k = createKafka({ clientId: 'x', brokers: endpoints.kafkaBrokers });",
      'const r = createRedis({ url: endpoints.redisUrl, name: "n" });',
      'const s = createSchemaResolver(endpoints.registryUrl);',
      "await registryRequest(registryUrl, 'GET', '/subjects');",
      'const c = createCatalogCodec({ ids: endpoints.registryUrl });',
      'const raw = new Redis(url);',
      "const ok = createKafka({ clientId: 'x', connection: endpoints.kafka, extra: { retry: { brokers: 1 } } });",
      'const ok2 = createRedis({ connection: endpoints.redis });',
      'const ok3 = createSchemaResolver(endpoints.registry);',
    ].join('\n');
    expect(findBareConnections('sample.ts', sample).map((f) => `${f.line}:${f.call}`)).toEqual([
      '1:createKafka',
      '2:createRedis',
      '3:createSchemaResolver',
      '4:registryRequest',
      '5:ids',
      '6:new Redis',
    ]);
  });

  it('no production file makes a Kafka, Redis or registry client from a bare broker list or URL', () => {
    const files = PRODUCTION_DIRS.flatMap(sourceFiles).filter((f) => !ALLOWED_FILES.has(f));
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((f) =>
      findBareConnections(f, fs.readFileSync(path.join(ROOT, f), 'utf8')),
    );
    expect(findings.map((f) => `${f.file}:${f.line} ${f.call}: ${f.why}`)).toEqual([]);
  });
});
