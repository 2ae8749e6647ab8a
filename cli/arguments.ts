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
