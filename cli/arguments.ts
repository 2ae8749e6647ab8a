import { InvalidArgumentError } from 'commander';

/**
 * Checks of option values, for commander's `.option(flags, description, parser, default)`: a bad
 * value is a usage error (exit 2) with commander's one line, e.g. "option '--health-port <port>'
 * argument 'abc' is invalid. a port is a whole number from 0 to 65535". The value stays the string
 * it was given, so an action reads it as before (`Number(opts.healthPort)`).
 */
export function wholeNumber(min: number, max: number, what = 'a whole number'): (value: string) => string {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${what} from ${min} to ${max}`);
    return value.trim();
  };
}

/** A TCP port to listen on (0: any free port). */
export const port = wholeNumber(0, 65535, 'a port is a whole number');

/**
 * A comma-separated list whose every item is one of `allowed` (e.g. `--only router,dlq`); the
 * value becomes the list, each item once, in the order given.
 */
export function listOf(allowed: readonly string[], what: string): (value: string) => string[] {
  return (value) => {
    const items = value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v.length > 0);
    const unknown = items.filter((v) => !allowed.includes(v));
    if (!items.length || unknown.length)
      throw new InvalidArgumentError(
        `${unknown.length ? `unknown ${what} ${unknown.join(', ')}; ` : ''}a comma-separated list of ${allowed.join(', ')}`,
      );
    return [...new Set(items)];
  };
}
