import { PassThrough } from 'node:stream';
import type { AdminClient } from '../../../cli/admin-client';
import { followJob, progressBar } from '../../../cli/replay-follow';
import type { ReplayJob } from '../../../dlq';

const job = (done: number, state: ReplayJob['state'] = 'running'): ReplayJob => ({
  id: 'job-1',
  state,
  selector: { ids: ['t:0:1'] },
  ratePerSecond: 10,
  total: 40,
  done,
  sent: done,
  skipped: 0,
  refused: 0,
  createdAt: 0,
  createdBy: 'ann',
  updatedAt: 0,
});

function client(jobs: ReplayJob[]): AdminClient & { gets: number } {
  const c = {
    gets: 0,
    target: { url: 'http://x', token: 't', tokenFrom: 'CROSSDOCK_ADMIN_TOKEN' as const },
    get: async <T>() => {
      const j = jobs[Math.min(c.gets, jobs.length - 1)]!;
      c.gets++;
      return j as T;
    },
    post: async <T>() => undefined as T,
  };
  return c;
}

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('following a replay job', () => {
  it('draws a bar with counts, state and time left', () => {
    expect(progressBar(job(10), 1000)).toBe(
      '[########----------------------]  25% 10/40 sent 10 skipped 0 refused 0 running, ~3s left',
    );
    expect(progressBar(job(40, 'done'), 4000)).toBe(
      '[##############################] 100% 40/40 sent 40 skipped 0 refused 0 done',
    );
  });

  it('polls until the job ends; plain lines when not on a terminal', async () => {
    const err = capture();
    const c = client([job(20), job(40, 'done')]);
    const res = await followJob(c, job(0), { mode: 'lines', stderr: err.stream, intervalMs: 1 });
    expect(res).toEqual({ job: job(40, 'done'), detached: false });
    expect(c.gets).toBe(2);
    const lines = err.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^replay job-1: +0% 0\/40/);
    expect(lines.at(-1)).toMatch(/^replay job-1: 100% 40\/40 sent 40 .* done$/);
  });

  it('on a terminal redraws one line in place and ends it', async () => {
    const err = capture();
    await followJob(client([job(40, 'done')]), job(0), { mode: 'bar', stderr: err.stream, intervalMs: 1 });
    expect(err.text().startsWith('\r[')).toBe(true);
    expect(err.text().endsWith('\n')).toBe(true);
    expect(err.text().split('\n')).toHaveLength(2);
  });

  it('Ctrl-C detaches: the job is left running and nothing more is asked', async () => {
    const c = client([job(5)]);
    const listeners = process.listenerCount('SIGINT');
    const following = followJob(c, job(0), { mode: 'none', intervalMs: 60_000 });
    process.emit('SIGINT');
    const res = await following;
    expect(res.detached).toBe(true);
    expect(res.job.state).toBe('running');
    expect(c.gets).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});
