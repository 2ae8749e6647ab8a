/** Progress of long stack work, one line per step on stderr (stdout stays for --json). */
export interface Progress {
  step(part: string, message: string): void;
}

export function stderrProgress(
  stream: NodeJS.WritableStream = process.stderr,
  now: () => number = Date.now,
): Progress {
  const start = now();
  return {
    step(part, message) {
      const secs = ((now() - start) / 1000).toFixed(1).padStart(5);
      stream.write(`[stack ${secs}s] ${part.padEnd(8)} ${message}\n`);
    },
  };
}

export const silentProgress: Progress = { step: () => undefined };
