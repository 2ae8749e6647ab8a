/**
 * Timing of the console bench and its report: per page the median and p95 of the repetitions
 * (milliseconds to the answer's last byte over HTTP on loopback), the median's ratio to the
 * baseline's median, and whether p95 is within the goal. A page that is not installed (404) or
 * answers an error is reported with its status and not timed.
 */
import { BASELINE_PATH, type BenchPage } from './pages';

export interface PageRow {
  page: string;
  path: string;
  status: number;
  /** Bytes of HTML answered. */
  bytes?: number;
  firstMs?: number;
  medianMs?: number;
  p95Ms?: number;
  vsBaseline?: number;
  /** p95 within the goal; absent when the page was not timed. */
  goalMet?: boolean;
}

export interface ConsoleBenchResult {
  date: string;
  letters: number;
  reps: number;
  goalMs: number;
  machine: string;
  seedSeconds: number;
  baseline: { path: string; medianMs: number; p95Ms: number };
  rows: PageRow[];
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const r1 = (x: number) => Number(x.toFixed(1));

async function timed(url: string, cookie: string): Promise<{ ms: number; status: number; bytes: number }> {
  const t = performance.now();
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t, status: res.status, bytes: body.byteLength };
}

export async function measure(o: {
  base: string;
  cookie: string;
  pages: readonly BenchPage[];
  reps: number;
  goalMs: number;
  log: (line: string) => void;
}): Promise<Pick<ConsoleBenchResult, 'baseline' | 'rows'>> {
  const baseTimes: number[] = [];
  await timed(`${o.base}${BASELINE_PATH}`, o.cookie);
  const first = new Map<string, { ms: number; status: number; bytes: number }>();
  for (const p of o.pages) first.set(p.path, await timed(`${o.base}${p.path}`, o.cookie));
  const live = o.pages.filter((p) => first.get(p.path)!.status === 200);
  const times = new Map<string, number[]>(live.map((p) => [p.path, []]));
  for (let rep = 0; rep < o.reps; rep++) {
    for (const p of live) {
      baseTimes.push((await timed(`${o.base}${BASELINE_PATH}`, o.cookie)).ms);
      times.get(p.path)!.push((await timed(`${o.base}${p.path}`, o.cookie)).ms);
    }
    o.log(`repetition ${rep + 1}/${o.reps}`);
  }
  const baseMedian = baseTimes.length ? quantile(baseTimes, 0.5) : 0;
  const rows: PageRow[] = o.pages.map((p) => {
    const f = first.get(p.path)!;
    const t = times.get(p.path);
    if (!t) return { page: p.name, path: p.path, status: f.status };
    const median = quantile(t, 0.5);
    const p95 = quantile(t, 0.95);
    return {
      page: p.name,
      path: p.path,
      status: f.status,
      bytes: f.bytes,
      firstMs: r1(f.ms),
      medianMs: r1(median),
      p95Ms: r1(p95),
      vsBaseline: baseMedian ? r1(median / baseMedian) : 0,
      goalMet: p95 <= o.goalMs,
    };
  });
  return {
    baseline: {
      path: BASELINE_PATH,
      medianMs: r1(baseMedian),
      p95Ms: r1(baseTimes.length ? quantile(baseTimes, 0.95) : 0),
    },
    rows,
  };
}

export function renderReport(r: ConsoleBenchResult): string {
  const lines = [
    `console pages, ${r.letters} dead letters indexed (seeded in ${r.seedSeconds} s), ${r.reps} repetitions, ${r.machine}`,
    `baseline ${r.baseline.path} (same app, no API call): median ${r.baseline.medianMs} ms, p95 ${r.baseline.p95Ms} ms`,
    '',
    `| page | first ms | median ms | p95 ms | × baseline | p95 ≤ ${r.goalMs} ms |`,
    '|---|---|---|---|---|---|',
    ...r.rows.map((x) =>
      x.medianMs === undefined
        ? `| ${x.page} | — | — | — | — | not timed: HTTP ${x.status} |`
        : `| ${x.page} | ${x.firstMs} | ${x.medianMs} | ${x.p95Ms} | ${x.vsBaseline} | ${x.goalMet ? 'yes' : 'NO'} |`,
    ),
  ];
  const timed = r.rows.filter((x) => x.goalMet !== undefined);
  lines.push(
    '',
    `goal (each page's first view ≤ ${r.goalMs} ms, p95): ${timed.every((x) => x.goalMet) ? 'met' : 'NOT met'} for ${timed.length} of ${r.rows.length} pages timed`,
  );
  return `${lines.join('\n')}\n`;
}
