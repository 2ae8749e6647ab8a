/**
 * Errors with stable codes.
 *
 * Contract: every failure crossdock reports to a person or to another system carries a code
 * (`CD_E_...`) that never changes meaning, a `retriable` bit (true when the same call may succeed
 * later without anybody changing anything), an optional cause and optional details (for example
 * the path and reason of a config problem). Each part of the hub declares its codes in its own
 * `codes.ts` with `defineCodes`; hub/error-catalog.ts gathers them, and docs/errors.md is
 * generated from that catalog (a test keeps them in step).
 */

/** What the docs say about one code. */
export interface ErrorSpec {
  /** One line: what went wrong. */
  readonly meaning: string;
  /** One line: what the person who sees it should do. */
  readonly action: string;
  /** True when the same operation may succeed later without a change (outages, timeouts). */
  readonly retriable: boolean;
}

export type CodeTable<K extends string> = { readonly [code in K]: ErrorSpec };

/** Declares a part's codes; checks the naming rule at compile time through the template type. */
export function defineCodes<K extends `CD_E_${string}`>(table: CodeTable<K>): CodeTable<K> {
  return Object.freeze(table);
}

export interface CrossdockErrorOptions {
  cause?: unknown;
  /** Machine-readable context (paths, ports, ids); printed with --json. */
  details?: Record<string, unknown>;
  /** Overrides the code's default retriable bit for this instance. */
  retriable?: boolean;
}

export class CrossdockError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: CrossdockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CrossdockError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isCrossdockError(err: unknown): err is CrossdockError {
  return err instanceof CrossdockError;
}

/** A short, single-line description of any thrown value, for logs and error headers. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
