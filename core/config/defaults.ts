/**
 * Defaults written once, in the configuration schema. A part that compiles its raw section into
 * runtime settings (a connector started from code or a test, with no ajv pass in between) reads
 * each default out of its schema fragment with these helpers, so the value ajv fills in
 * (`useDefaults`), the one docs/configuration.md shows and the one the code falls back to are the
 * same value. test/unit/config/defaults.test.ts checks every part against ajv's filling.
 *
 * The fragments are declared `as const`, so the defaults keep their literal types: a property
 * without a `default` is absent from the result's type, and reading it does not compile.
 */

import { CrossdockError } from '../errors';

type PropertiesOf<S> = S extends { readonly properties: infer P } ? P : Record<never, never>;

/** The properties of an object schema that declare a `default`, each with that default's type. */
export type DefaultsOf<S> = {
  -readonly [
    K in keyof PropertiesOf<S> as PropertiesOf<S>[K] extends { readonly default: unknown } ? K : never
  ]: PropertiesOf<S>[K] extends { readonly default: infer D } ? D : never;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The `default` of each property of an object schema fragment (one level: a nested object's own
 * defaults are read from its fragment). Values are copies, frozen, so a caller cannot change the
 * schema through them. Properties without a `default` are left out.
 */
export function defaultsOf<S extends object>(fragment: S): DefaultsOf<S> {
  const props = (fragment as { properties?: unknown }).properties;
  const out: Record<string, unknown> = {};
  if (isObject(props)) {
    for (const [name, spec] of Object.entries(props)) {
      if (isObject(spec) && 'default' in spec) out[name] = deepFreeze(structuredClone(spec.default));
    }
  }
  return Object.freeze(out) as DefaultsOf<S>;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
}

/** The `then` of an `allOf` entry `{ if: { properties: { <field>: { const: V } } }, then }`. */
type ThenOf<S, F extends string, V> = S extends { readonly allOf: ReadonlyArray<infer E> }
  ? E extends { readonly if: { readonly properties: { readonly [P in F]: { readonly const: V } } } }
    ? E extends { readonly then: infer T }
      ? T
      : never
    : never
  : never;

/**
 * The conditional branch a discriminated schema applies when `field` equals `value` (e.g. the
 * sink's `kind: 'http'` branch, which holds that kind's defaults). Throws when the schema has no
 * such branch (CD_E_INTERNAL: a mistake in the schema fragment, found when the module loads).
 */
export function branchOf<S extends object, F extends string, V extends string | number | boolean>(
  schema: S,
  field: F,
  value: V,
): ThenOf<S, F, V> {
  const allOf = (schema as { allOf?: unknown }).allOf;
  for (const entry of Array.isArray(allOf) ? allOf : []) {
    if (!isObject(entry) || !isObject(entry.if) || !isObject(entry.if.properties)) continue;
    const cond = entry.if.properties[field];
    if (isObject(cond) && cond.const === value && isObject(entry.then)) return entry.then as ThenOf<S, F, V>;
  }
  throw new CrossdockError(
    'CD_E_INTERNAL',
    `the schema fragment has no allOf branch for ${field} = ${JSON.stringify(value)}`,
  );
}
