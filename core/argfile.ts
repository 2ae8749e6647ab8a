import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Java launcher argument files (`java @file`, JDK 9+): the whole argument list of a java command —
 * options, main class and the main class's own arguments — goes into a file instead of argv, so a
 * password among them never shows in `ps` or /proc/<pid>/cmdline.
 */

/**
 * One argument per line, each in double quotes with `\` and `"` escaped (inside quotes the
 * launcher reads backslash escapes). Classpath wildcards (`libs/*`) still expand.
 * @throws Error when an argument holds a line break (the launcher would read a continuation)
 */
export function renderArgFile(args: readonly string[]): string {
  return (
    args
      .map((a) => {
        if (/[\r\n]/.test(a)) throw new Error('a java argument contains a line break');
        return `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      })
      .join('\n') + '\n'
  );
}

/**
 * Writes `args` to a 0600 file in a fresh 0700 temporary folder, hands `@<file>` to `use` (the one
 * argument to give java) and removes the folder afterwards, whatever `use` does.
 */
export async function withJavaArgFile<T>(
  args: readonly string[],
  use: (argFileArg: string) => Promise<T>,
  tmpRoot: string = os.tmpdir(),
): Promise<T> {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'crossdock-java-'));
  try {
    const file = path.join(dir, 'args');
    fs.writeFileSync(file, renderArgFile(args), { mode: 0o600, flag: 'wx' });
    return await use(`@${file}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
