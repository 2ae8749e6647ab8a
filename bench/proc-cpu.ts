/**
 * CPU time of other processes, read from /proc (Linux): what a benchmark arm costs beyond its own
 * process — the broker's, Redis's, a JVM peer's. On 2 shared cores these decide whether a goal is
 * reachable at all, so the benchmarks that need them report them per arm.
 *
 * Contract: `cpuMsOf(pid)` is the process's user + system CPU in ms since it started, or undefined
 * when /proc cannot be read (no such process, not Linux); differences of two readings bracket a
 * window. Resolution is one clock tick (10 ms where CLK_TCK is 100).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** utime + stime (clock ticks) from the text of /proc/<pid>/stat; the command name may hold spaces. */
export function cpuTicksOf(statText: string): number {
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

let ticksPerSec: number | undefined;
/** Clock ticks per second (getconf CLK_TCK; 100 when it cannot be asked). */
export function clockTicksPerSecond(): number {
  ticksPerSec ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticksPerSec;
}

/** The text of /proc/<pid>/<file>, or '' when it cannot be read. */
export function procText(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** User + system CPU ms of a process since it started; undefined when it cannot be read. */
export function cpuMsOf(pid: number): number | undefined {
  const text = procText(pid, 'stat');
  if (!text) return undefined;
  const ticks = cpuTicksOf(text);
  return Number.isFinite(ticks) ? (ticks * 1000) / clockTicksPerSecond() : undefined;
}

/**
 * CPU ms each named process spent between `start()` and `stop()`; a process that could not be read
 * at either end is left out.
 */
export function cpuWindow(pids: Readonly<Record<string, number | undefined>>): {
  stop: () => Record<string, number>;
} {
  const at = (): Record<string, number | undefined> =>
    Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid ? cpuMsOf(pid) : undefined]));
  const first = at();
  return {
    stop: () => {
      const last = at();
      const out: Record<string, number> = {};
      for (const [name, a] of Object.entries(first)) {
        const b = last[name];
        if (a !== undefined && b !== undefined) out[name] = Math.round(b - a);
      }
      return out;
    },
  };
}
