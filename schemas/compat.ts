/**
 * Local compatibility between catalog versions, with messages that name the field and the rule.
 *
 * Semantics are the Confluent registry's (so `check` agrees with what `push` will meet):
 * BACKWARD = readers of the new version read data written with the old one; FORWARD = readers of
 * the old version read data written with the new one; FULL = both; *_TRANSITIVE = against every
 * earlier version instead of only the previous one. avsc's createResolver decides whether a pair
 * is readable; our own field walk says why. Two rules are stricter than the registry, because the
 * data would be read without an error but with a different meaning: removing an enum symbol
 * (old data silently becomes the default symbol) and changing a decimal's scale or precision or a
 * field's logical type (Avro resolution ignores logical types).
 */
import type avsc from 'avsc';
import type { CatalogEntry, CatalogVersion, Compatibility, Problem } from './catalog';
import { typeOf } from './codec';
import { describeType, type RawSchema } from './walk';
import type { RuleId } from './lint';

type Direction = 'backward' | 'forward';

interface Issue {
  kind: 'missing' | 'renamed' | 'type' | 'enum' | 'decimal' | 'logical';
  path: string;
  reader: avsc.Type;
  writer: avsc.Type;
  /** renamed: the writer-side name; enum: the symbols the reader lacks. */
  other?: string;
  symbols?: string[];
  readerHasDefault?: boolean;
}

interface AnyType extends avsc.Type {
  types?: avsc.Type[];
  fields?: avsc.types.Field[];
  symbols?: string[];
  default?: string;
  itemsType?: avsc.Type;
  valuesType?: avsc.Type;
  underlyingType?: avsc.Type;
  size?: number;
  precision?: number;
  scale?: number;
}

function t(x: avsc.Type): AnyType {
  return x as AnyType;
}

function logicalName(x: avsc.Type): string | undefined {
  return x.typeName.startsWith('logical:') ? x.typeName.slice('logical:'.length) : undefined;
}

/** Kind ignoring logical types: 'long', 'record:com.x.Y', 'array', … */
function kindOf(x: avsc.Type): string {
  const u = logicalName(x) ? t(x).underlyingType! : x;
  const n = u.typeName === 'abstract:long' ? 'long' : u.typeName;
  if (n === 'record' || n === 'enum' || n === 'fixed' || n === 'error') return `${n}:${u.name ?? ''}`;
  return n.startsWith('union') ? 'union' : n;
}

function namesMatch(reader: avsc.Type, writer: avsc.Type): boolean {
  const rk = kindOf(reader);
  const wk = kindOf(writer);
  if (rk === wk) return true;
  const [rb, rn] = rk.split(':');
  const [wb, wn] = wk.split(':');
  return rb === wb && rn !== undefined && (reader.aliases ?? []).includes(wn ?? '');
}

const PROMOTIONS: Record<string, string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

function describe(x: avsc.Type): string {
  return describeType(x.schema({ exportAttrs: true }) as RawSchema);
}

function isUnion(x: avsc.Type): boolean {
  return x.typeName.startsWith('union');
}

function walk(reader: avsc.Type, writer: avsc.Type, path: string, out: Issue[], seen: Set<string>): void {
  for (const wb of isUnion(writer) ? t(writer).types! : [writer]) {
    const rbs = isUnion(reader) ? t(reader).types! : [reader];
    const match =
      rbs.find((rb) => namesMatch(rb, wb)) ?? rbs.find((rb) => PROMOTIONS[kindOf(wb)]?.includes(kindOf(rb)));
    if (!match) {
      out.push({ kind: 'type', path, reader, writer });
      return;
    }
    same(match, wb, path, out, seen);
  }
}

function same(reader: avsc.Type, writer: avsc.Type, path: string, out: Issue[], seen: Set<string>): void {
  const lr = logicalName(reader);
  const lw = logicalName(writer);
  if (lr !== lw) {
    out.push({ kind: 'logical', path, reader, writer });
    return;
  }
  if (lr === 'decimal') {
    if (t(reader).scale !== t(writer).scale || t(reader).precision !== t(writer).precision)
      out.push({ kind: 'decimal', path, reader, writer });
    return;
  }
  if (lr) return;
  const r = t(reader);
  const w = t(writer);
  switch (reader.typeName) {
    case 'record':
    case 'error': {
      const key = `${reader.name}<-${writer.name}`;
      if (seen.has(key)) return;
      seen.add(key);
      const matched = new Set<string>();
      const missing: avsc.types.Field[] = [];
      for (const rf of r.fields!) {
        const wf =
          w.fields!.find((f) => f.name === rf.name) ??
          w.fields!.find((f) => (rf.aliases ?? []).includes(f.name));
        const fpath = path ? `${path}.${rf.name}` : rf.name;
        if (!wf) {
          if (rf.defaultValue() === undefined) missing.push(rf);
          continue;
        }
        matched.add(wf.name);
        walk(rf.type, wf.type, fpath, out, seen);
      }
      const unmatched = w.fields!.filter(
        (f) => !matched.has(f.name) && !r.fields!.some((rf) => rf.name === f.name),
      );
      for (const rf of missing) {
        const fpath = path ? `${path}.${rf.name}` : rf.name;
        // A rename copies the field: same type, and no default on either side (a field that
        // gained a default next to a removed one reads as remove + add, not a rename).
        const twin = unmatched.find(
          (wf) => wf.defaultValue() === undefined && describe(wf.type) === describe(rf.type),
        );
        if (twin)
          out.push({
            kind: 'renamed',
            path: fpath,
            reader: rf.type,
            writer: twin.type,
            other: path ? `${path}.${twin.name}` : twin.name,
          });
        else out.push({ kind: 'missing', path: fpath, reader: rf.type, writer });
      }
      return;
    }
    case 'enum': {
      const lacking = w.symbols!.filter((s) => !r.symbols!.includes(s));
      if (lacking.length)
        out.push({
          kind: 'enum',
          path,
          reader,
          writer,
          symbols: lacking,
          readerHasDefault: r.default !== undefined,
        });
      return;
    }
    case 'array':
      return walk(r.itemsType!, w.itemsType!, `${path}[]`, out, seen);
    case 'map':
      return walk(r.valuesType!, w.valuesType!, `${path}{}`, out, seen);
    case 'fixed':
      if (r.size !== w.size) out.push({ kind: 'type', path, reader, writer });
      return;
    default:
      return;
  }
}

export interface PairContext {
  entry: Pick<CatalogEntry, 'eventType' | 'compatibility'>;
  /** The version being added (its file is where problems are reported). */
  newer: CatalogVersion;
  older: CatalogVersion;
}

function toProblem(issue: Issue, dir: Direction, ctx: PairContext): Problem | undefined {
  const { entry, newer, older } = ctx;
  const E = entry.eventType;
  const vn = `v${newer.version}`;
  const vo = `v${older.version}`;
  const mode = entry.compatibility;
  // Who cannot read whom, in this direction.
  const cannot =
    dir === 'backward' ? `${vn} readers cannot read ${vo} data` : `${vo} readers cannot read ${vn} data`;
  const oldT = dir === 'backward' ? issue.writer : issue.reader;
  const newT = dir === 'backward' ? issue.reader : issue.writer;
  const mk = (rule: RuleId, message: string): Problem => ({
    rule,
    file: newer.file,
    path: issue.path,
    message,
  });
  switch (issue.kind) {
    case 'missing':
      return dir === 'backward'
        ? mk(
            'compat-field-added-required',
            `${E} ${vn} adds field \`${issue.path}\` without a default: ${cannot} (${mode})`,
          )
        : mk(
            'compat-field-removed',
            `${E} ${vn} removes field \`${issue.path}\` without a default: ${cannot} (${mode})`,
          );
    case 'renamed': {
      const [from, to] = dir === 'backward' ? [issue.other!, issue.path] : [issue.path, issue.other!];
      const leaf = from.split('.').pop();
      return {
        ...mk(
          'compat-field-renamed',
          `${E} ${vn} renames field \`${from}\` to \`${to}\` without an alias: ${cannot} (${mode}); add "aliases": ["${leaf}"] to \`${to}\``,
        ),
        path: to,
      };
    }
    case 'type':
      return mk(
        'compat-type-changed',
        `${E} ${vn} changes \`${issue.path}\` from ${describe(oldT)} to ${describe(newT)}: ${cannot} (${mode})`,
      );
    case 'decimal':
      return mk(
        'compat-decimal-changed',
        `${E} ${vn} changes \`${issue.path}\` from ${describe(oldT)} to ${describe(newT)}: amounts would be read at the wrong scale, so ${cannot} (${mode})`,
      );
    case 'logical':
      return mk(
        'compat-logical-type-changed',
        `${E} ${vn} changes \`${issue.path}\` from ${describe(oldT)} to ${describe(newT)}: the value would be read with another meaning (${mode})`,
      );
    case 'enum': {
      const syms = issue.symbols!.join(', ');
      if (dir === 'backward') {
        const fallback = issue.readerHasDefault
          ? `would read as ${String(t(issue.reader).default)}, silently changing its meaning`
          : 'cannot be read at all';
        return mk(
          'compat-enum-symbol-removed',
          `${E} ${vn} removes symbol ${syms} from enum \`${issue.path}\`: ${vo} data holding it ${fallback} (${mode})`,
        );
      }
      // Forward: the newer version adds symbols; fine when the older enum has a default.
      if (issue.readerHasDefault) return undefined;
      return mk(
        'compat-unreadable',
        `${E} ${vn} adds symbol ${syms} to enum \`${issue.path}\` whose ${vo} has no default: ${cannot} (${mode})`,
      );
    }
  }
}

/** Problems of reading `writer` data with `reader`, explained; empty when compatible. */
export function checkPair(
  reader: CatalogVersion,
  writer: CatalogVersion,
  dir: Direction,
  ctx: PairContext,
): Problem[] {
  const rt = typeOf(reader.schema);
  const wt = typeOf(writer.schema);
  let resolverError: string | undefined;
  try {
    rt.createResolver(wt);
  } catch (err) {
    resolverError = (err as Error).message;
  }
  const issues: Issue[] = [];
  walk(rt, wt, '', issues, new Set());
  const problems = issues.map((i) => toProblem(i, dir, ctx)).filter((p): p is Problem => p !== undefined);
  if (resolverError && problems.length === 0) {
    const cannot =
      dir === 'backward'
        ? `v${ctx.newer.version} readers cannot read v${ctx.older.version} data`
        : `v${ctx.older.version} readers cannot read v${ctx.newer.version} data`;
    problems.push({
      rule: 'compat-unreadable',
      file: ctx.newer.file,
      path: '',
      message: `${ctx.entry.eventType}: ${cannot} (${ctx.entry.compatibility}): ${resolverError}`,
    });
  }
  return problems;
}

const DIRECTIONS: Record<Compatibility, Direction[]> = {
  NONE: [],
  BACKWARD: ['backward'],
  BACKWARD_TRANSITIVE: ['backward'],
  FORWARD: ['forward'],
  FORWARD_TRANSITIVE: ['forward'],
  FULL: ['backward', 'forward'],
  FULL_TRANSITIVE: ['backward', 'forward'],
};

/** Every compatibility problem between an entry's versions, as its mode requires. */
export function checkEntryCompatibility(entry: CatalogEntry): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const transitive = entry.compatibility.endsWith('_TRANSITIVE');
  entry.versions.forEach((newer, i) => {
    const olders = transitive ? entry.versions.slice(0, i) : entry.versions.slice(Math.max(0, i - 1), i);
    for (const older of olders) {
      for (const dir of DIRECTIONS[entry.compatibility]) {
        const [reader, writer] = dir === 'backward' ? [newer, older] : [older, newer];
        for (const p of checkPair(reader, writer, dir, { entry, newer, older })) {
          const key = `${p.rule}|${p.file}|${p.path}|${p.message}`;
          if (!seen.has(key)) out.push(p);
          seen.add(key);
        }
      }
    }
  });
  return out;
}
