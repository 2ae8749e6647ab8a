import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ConfigProblem } from './types';

/** A path segment list, as ajv and the YAML document both understand it. */
export type Segments = Array<string | number>;

/** `['routes', 2, 'to', 0]` → `routes[2].to[0]`; the root is `(root)`. */
export function formatPath(segments: Segments): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out || '(root)';
}

function pointerToSegments(pointer: string): Segments {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** One ajv error as a problem a person can act on: the exact path and a plain reason. */
function toProblem(e: ErrorObject): { segments: Segments; message: string } {
  const at = pointerToSegments(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { segments: [...at, String(p.missingProperty)], message: 'is required' };
    case 'additionalProperties':
      return { segments: [...at, String(p.additionalProperty)], message: 'is not a known property here' };
    case 'enum':
      return {
        segments: at,
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'pattern':
      return { segments: at, message: `must match ${String(p.pattern)}` };
    case 'minProperties':
    case 'maxProperties':
      if (at.length && /(headers|fields|where)$/.test(String(at[at.length - 2] ?? ''))) {
        return {
          segments: at,
          message: 'must name its field/header and exactly one operator (equals, in, prefix, exists, range)',
        };
      }
      return { segments: at, message: e.message ?? e.keyword };
    default:
      return { segments: at, message: e.message ?? e.keyword };
  }
}

/** Every problem of one document against a schema, each with its path. */
export type SchemaCheck = (raw: unknown) => Array<{ segments: Segments; message: string }>;

/**
 * A check of documents against `schema` (compiled by ajv on first use, then reused). The check
 * fills defaults into the document it is given, in place, and returns every problem, not only
 * the first.
 */
export function schemaChecker(schema: object): SchemaCheck {
  let compiled: ValidateFunction | undefined;
  const validator = (): ValidateFunction => {
    // strict:false because the composed fragments belong to other parts and may use annotation
    // keywords of their own; the structure is still checked in full.
    if (!compiled) {
      const ajv = new Ajv({ allErrors: true, useDefaults: true, allowUnionTypes: true, strict: false });
      addFormats(ajv);
      compiled = ajv.compile(schema);
    }
    return compiled;
  };
  return (raw) => {
    const validate = validator();
    if (validate(raw)) return [];
    const seen = new Set<string>();
    const out: Array<{ segments: Segments; message: string }> = [];
    for (const e of validate.errors ?? []) {
      // `if`/`oneOf` wrappers repeat what their branches said.
      if (e.keyword === 'if' || e.keyword === 'oneOf' || e.keyword === 'anyOf') continue;
      const pr = toProblem(e);
      const key = `${formatPath(pr.segments)}|${pr.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(pr);
      }
    }
    return out;
  };
}

export type { ConfigProblem };
