import type { ErrorSpec } from './errors';

/**
 * The error codes of a program, by the part that owns them. Each part declares its own with
 * `defineCodes` in its codes.ts; the composition root (hub/error-catalog.ts) lists them, and
 * docs/errors.md is rendered from that list. Core names no part.
 */
export type ErrorCatalog = ReadonlyArray<{ part: string; codes: Readonly<Record<string, ErrorSpec>> }>;

/**
 * Every code of `catalog` with its spec and owning part.
 * @throws Error when one code is declared by two parts (or twice), naming the code.
 */
export function catalogCodes(catalog: ErrorCatalog): Map<string, ErrorSpec & { part: string }> {
  const out = new Map<string, ErrorSpec & { part: string }>();
  for (const { part, codes } of catalog) {
    for (const [code, spec] of Object.entries(codes)) {
      if (out.has(code)) throw new Error(`error code ${code} is declared twice`);
      out.set(code, { ...spec, part });
    }
  }
  return out;
}
