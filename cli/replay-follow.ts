import type { ReplayJob } from '../dlq';
import type { AdminClient } from './admin-client';
import { duration } from './table';

/**
 * Follows a replay job until it ends, showing its progress on stderr: a bar redrawn in place on a
 * terminal, a plain line at each tenth (and at least every 10 s) otherwise, nothing with --json.
 * Ctrl-C stops following, not the job: it returns `detached` and says how to pause or cancel.
 */
export const JOB_ENDED: ReadonlySet<ReplayJob['state']> = new Set(['done', 'failed', 'cancelled']);

export interface FollowOptions {
  /** How the progress is shown. */
  mode: 'bar' | 'lines' | 'none';
  stderr?: NodeJS.WritableStream;
  /** ms between polls. @defaultValue 1000 */
  intervalMs?: number;
  now?: () => number;
}

const WIDTH = 30;

export function progressBar(job: ReplayJob, elapsedMs: number): string {
  const total = Math.max(job.total, 0);
  const share = total ? Math.min(1, job.done / total) : 1;
  const filled = Math.round(share * WIDTH);
  const rate = elapsedMs > 0 ? (job.done / elapsedMs) * 1000 : 0;
  const left = rate > 0 && total > job.done ? `, ~${duration(((total - job.done) / rate) * 1000)} left` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${job.done}/${total} sent ${job.sent} skipped ${job.skipped} refused ${job.refused} ${job.state}${left}`;
}

export async function followJob(
  client: AdminClient,
  first: ReplayJob,
  options: FollowOptions,
): Promise<{ job: ReplayJob; detached: boolean }> {
  const stderr = options.stderr ?? process.stderr;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 1000;
  const started = now();
  let job = first;
  let detached = false;
  let wake: () => void = () => undefined;
  const onSigint = () => {
    detached = true;
    wake();
  };
  process.once('SIGINT', onSigint);
  let lastLineAt = 0;
  let lastTenth = -1;
  const show = () => {
    const elapsed = now() - started;
    if (options.mode === 'bar') stderr.write(`\r${progressBar(job, elapsed)}\x1b[K`);
    else if (options.mode === 'lines') {
      const tenth = job.total ? Math.floor((job.done / job.total) * 10) : 10;
      if (tenth !== lastTenth || now() - lastLineAt >= 10_000 || JOB_ENDED.has(job.state)) {
        stderr.write(`replay ${job.id}: ${progressBar(job, elapsed).replace(/^\[[#-]+\] +/, '')}\n`);
        lastTenth = tenth;
        lastLineAt = now();
      }
    }
  };
  try {
    show();
    while (!JOB_ENDED.has(job.state) && !detached) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, interval);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      if (detached) break;
      job = await client.get<ReplayJob>(`/dlq/replays/${encodeURIComponent(job.id)}`);
      show();
    }
  } finally {
    process.off('SIGINT', onSigint);
    if (options.mode === 'bar') stderr.write('\n');
  }
  return { job, detached };
}
