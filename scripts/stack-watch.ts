/**
 * `npm test`'s look at the shared stack after each run that used it: a part that died during the
 * run (a broker that exited, say) makes every later test fail with "connection refused", and CI
 * keeps no stack logs. So after such a run, each part that is down is named with the end of its
 * own log, where the JVM or redis-server said why.
 *
 * Contract: `readParts` reads `crossdock stack status --json` (its `parts`, each with `part`, `up`,
 * `endpoint`, `logFile`; undefined when the answer cannot be read). `diedDuring(before, after)` is
 * the parts up before a run and not up after it (an unreadable answer after the run counts as the
 * pseudo-part `status`, never as healthy; parts down before the run, as in a filtered run that
 * needed no stack, are not reported). `describeDown` formats them with each log's last lines
 * (`tail` injected). `stackStatus` runs the status command; `reportDied` prints the report to
 * stderr and resolves to the parts that died.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface PartState {
  part: string;
  up: boolean;
  endpoint?: string;
  logFile?: string;
}

/** The parts in `crossdock stack status --json`'s output, or undefined when it cannot be read. */
export function readParts(statusJson: string): PartState[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(statusJson);
  } catch {
    return undefined;
  }
  const parts = (parsed as { parts?: unknown } | null)?.parts;
  if (!Array.isArray(parts) || parts.length === 0) return undefined;
  return parts
    .filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
    .map((p) => ({
      part: String(p.part ?? '?'),
      up: p.up === true,
      ...(typeof p.endpoint === 'string' ? { endpoint: p.endpoint } : {}),
      ...(typeof p.logFile === 'string' ? { logFile: p.logFile } : {}),
    }));
}

/** The parts up before a run and not after it (see the contract above). */
export function diedDuring(
  before: readonly PartState[] | undefined,
  after: readonly PartState[] | undefined,
): PartState[] {
  const wereUp = (before ?? []).filter((p) => p.up);
  if (wereUp.length === 0) return [];
  if (!after) return [{ part: 'status', up: false }];
  return wereUp.map((b) => after.find((a) => a.part === b.part) ?? { ...b, up: false }).filter((a) => !a.up);
}

/** The last `lines` lines of a file, or why they cannot be read. */
export function tailOf(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch (err) {
    return `(cannot read ${file}: ${(err as Error).message})`;
  }
}

/** The report for the parts found down after run `label`. */
export function describeDown(
  label: string,
  down: readonly PartState[],
  tail: (file: string) => string,
): string {
  return down
    .map((d) =>
      d.part === 'status'
        ? `npm test: after the ${label} run the stack's status could not be read (crossdock stack status --json).`
        : [
            `npm test: the stack's ${d.part}${d.endpoint ? ` (${d.endpoint})` : ''} was up when the ${label} run began and is down after it; tests that need it fail.`,
            ...(d.logFile ? [`  the end of its log, ${d.logFile}:`, tail(d.logFile)] : []),
          ].join('\n'),
    )
    .join('\n');
}

/** `crossdock stack status --json`'s parts now (undefined when its answer cannot be read). */
export async function stackStatus(root: string): Promise<PartState[] | undefined> {
  const out = await new Promise<string>((resolve) => {
    let text = '';
    const child = spawn(
      process.execPath,
      [path.join(root, 'bin', 'crossdock.js'), 'stack', 'status', '--json'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(text));
  });
  return readParts(out);
}

/** Reports to stderr the parts that died during run `label`; resolves to them. */
export function reportDied(
  label: string,
  before: readonly PartState[] | undefined,
  after: readonly PartState[] | undefined,
  lines = 60,
): PartState[] {
  const died = diedDuring(before, after);
  if (died.length) console.error(describeDown(label, died, (f) => tailOf(f, lines)));
  return died;
}
