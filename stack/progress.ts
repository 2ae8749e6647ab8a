import pino from 'pino';
import { eventLogger, type EventLogger } from '../core/log-events';
import { silentLogger } from '../core/logger';
import { STACK_LOG_EVENTS } from './log-events';

/** Progress of long stack work: the stack's declared log events (stack/log-events.ts). */
export type Progress = EventLogger<typeof STACK_LOG_EVENTS>;

/**
 * The CLI's rendering: one text line per step on stderr (stdout stays for --json),
 * `[stack  12.3s] kafka    ready`. Lines without a `part` field are about the whole stack.
 */
export function stderrProgress(
  stream: NodeJS.WritableStream = process.stderr,
  now: () => number = Date.now,
): Progress {
  const start = now();
  const text = {
    write(json: string) {
      const line = JSON.parse(json) as { part?: unknown; msg?: unknown };
      const part = typeof line.part === 'string' ? line.part : 'stack';
      const secs = ((now() - start) / 1000).toFixed(1).padStart(5);
      stream.write(`[stack ${secs}s] ${part.padEnd(8)} ${String(line.msg)}\n`);
    },
  };
  return eventLogger(pino({ level: 'info', base: null, timestamp: false }, text), STACK_LOG_EVENTS);
}

export const silentProgress: Progress = eventLogger(silentLogger(), STACK_LOG_EVENTS);
