import { parseBenchArgs, BenchUsageError } from '../../../../bench/all/args';
import { planArm } from '../../../../bench/all/arms';
import { checkOf, rowsOf } from '../../../../bench/all/headline';
import {
  BEGIN,
  END,
  renderSection,
  renderText,
  replaceSection,
  resultsFileName,
  type BenchRun,
} from '../../../../bench/all/render';
import { account } from '../../../../bench/e2e/accounting';
import { breakdown } from '../../../../bench/e2e/breakdown';
import { Histogram } from '../../../../bench/e2e/histogram';
import { e2eMarkdown } from '../../../../bench/e2e/report';
import type { E2EPhase, E2EResult } from '../../../../bench/e2e/result';

const router = {
  summary: [
    {
      fanout: 1,
      ratio: 0.89,
      ratioRange: [0.83, 0.99],
      b1: { median: 16898 },
      h: { median: 15350 },
      invalidRuns: 0,
    },
    {
      fanout: 3,
      ratio: 0.8,
      ratioRange: [0.7, 0.95],
      b1: { median: 6678 },
      h: { median: 5300 },
      invalidRuns: 1,
    },
  ],
  runs: [{}, {}, {}, {}],
};
const delivery = {
  drain: {
    ratioMedian: 0.32,
    ratioMin: 0.26,
    ratioMax: 0.42,
    ceiling: { median: 0.51, min: 0.32, max: 0.61 },
    reps: [{ lossOrDup: false, outOfOrder: 0 }],
  },
  openLoop: {
    halfConnector: {
      rate: 4107,
      connector: { p50: 353.279, p99: 837.119 },
      addedP99Ms: 832.5,
      lossOrDup: false,
    },
  },
};
const ingest = {
  singleVsBare: { median: 0.2567, min: 0.1858, max: 0.3762 },
  ceilingVsBare: { median: 0.49, min: 0.39, max: 0.68 },
  batchVsRawKafka: { median: 0.542, min: 0.5185, max: 0.6416 },
  invalid: false,
  accepted: 100,
  inTopic: 100,
};

function phase(
  label: string,
  rate: number | undefined,
  lat: number[],
  kind: 'open' | 'closed' = 'open',
): E2EPhase {
  const h = new Histogram();
  lat.forEach((ms) => h.record(ms * 1000));
  const ids = lat.map((_, i) => `${label}-${i}`);
  return {
    label,
    kind,
    ...(rate !== undefined ? { rate } : {}),
    seconds: 8,
    sent: lat.length,
    accepted: lat.length,
    refused: {},
    deliveredPerSec: rate ?? 900,
    latencyMs: h.summary(1000),
    accounting: account(ids, ids),
    breakdown: breakdown(
      lat.map((ms) => ({ sched: 0, sent: 0, ingressTs: 1, deliverTs: 2, deliverSeen: 3, arrived: ms })),
    ),
  };
}

const e2e: E2EResult = {
  arm: 'e2e',
  date: '2026-12-05T12:30:00.000Z',
  command: 'npm run bench:e2e -- --quick',
  quick: true,
  machine: '2 cores',
  settings: {
    partitions: 3,
    connections: 256,
    closedConnections: 128,
    window: 2000,
    seconds: 8,
    maxSeconds: 8,
    warmupSeconds: 3,
  },
  maxPerSec: 900,
  phases: [
    phase('warm-up', 200, [100]),
    phase('max', undefined, [200, 300], 'closed'),
    phase('100/s', 100, [10, 12, 14]),
    {
      ...phase('500/s', 500, [20, 40, 80]),
      hub: {
        routerBatches: 40,
        routerBatchMeanMs: 210.5,
        transactions: 30,
        eventsPerTransaction: 133.33,
        deliveries: 3,
        postMeanMs: 1.2,
      },
    },
    phase('1000/s', 1000, [100, 200]),
    phase('half max', 450, [30, 35]),
  ],
  goal: { rate: 500, p99Ms: 50, measuredP99Ms: 80, met: false },
  valid: true,
  problems: [],
};

function run(): BenchRun {
  const arms = [
    {
      name: 'router' as const,
      command: 'npm run bench:router -- --events 5000',
      status: 'ok' as const,
      exitCode: 0,
      seconds: 80,
      result: router,
    },
    {
      name: 'delivery' as const,
      command: 'BENCH_EVENTS=4000 npm run bench:delivery',
      status: 'ok' as const,
      exitCode: 0,
      seconds: 70,
      result: delivery,
    },
    {
      name: 'ingest' as const,
      command: 'BENCH_REPS=1 npm run bench:ingest',
      status: 'ok' as const,
      exitCode: 0,
      seconds: 60,
      result: ingest,
    },
    {
      name: 'e2e' as const,
      command: 'npm run bench:e2e -- --quick',
      status: 'ok' as const,
      exitCode: 0,
      seconds: 75,
      result: e2e,
    },
    {
      name: 'cli' as const,
      command: '(bench/cli/startup.ts)',
      status: 'skipped' as const,
      exitCode: null,
      seconds: 0,
      error: 'not on this branch',
    },
  ];
  const measured = arms.filter((a) => a.status === 'ok');
  return {
    date: '2026-12-05T12:34:56.000Z',
    command: 'npm run bench -- --quick',
    quick: true,
    machine: { cpus: 2, model: 'Test CPU', node: 'v20', memGb: 8 },
    loadAverage: { start: [3.21, 2, 1], end: [4, 3, 2] },
    seconds: 290,
    arms,
    rows: measured.flatMap((a) => rowsOf(a.name, a.result)),
    checks: measured.map((a) => checkOf(a.name, a.result)),
    valid: false,
  };
}

describe('npm run bench: headline figures and checks', () => {
  it('reads each arm’s ratios against their goals', () => {
    const rows = rowsOf('router', router);
    expect(rows.map((r) => [r.value, r.goal, r.met])).toEqual([
      ['**0.89** (0.83–0.99)', '≥ 0.85', true],
      ['**0.80** (0.70–0.95)', '≥ 0.9', false],
    ]);
    const withPeer = {
      ...router,
      summary: [{ ...router.summary[0], s: { median: 15000 }, hOverS: { median: 1.02, range: [0.9, 1.1] } }],
    };
    expect(rowsOf('router', withPeer)[1]).toEqual({
      arm: 'router',
      measure: 'router H / Kafka Streams peer S, F = 1 (events/s; S 15000, H 15350)',
      value: '**1.02** (0.90–1.10)',
      goal: '≥ 0.9',
      met: true,
    });

    expect(rowsOf('ingest', ingest)[0]).toMatchObject({ value: '**0.26** (0.19–0.38)', met: false });
    expect(rowsOf('ingest', ingest)[2]).toMatchObject({ value: '**0.54** (0.52–0.64)', met: true });
    expect(rowsOf('delivery', delivery).map((r) => r.value)).toEqual([
      '**0.32** (0.26–0.42)',
      '**0.51** (0.32–0.61)',
      '353.28 / 837.12',
    ]);
  });

  it('with B1 on librdkafka in the run, the router goal reads H against the faster B1', () => {
    const withNative = {
      ...router,
      summary: [
        {
          ...router.summary[0],
          b1rd: { median: 42568 },
          hOverFastestB1: { median: 0.36, range: [0.31, 0.4] },
        },
      ],
    };
    expect(rowsOf('router', withNative)).toEqual([
      {
        arm: 'router',
        measure:
          'router H / the faster B1 of kafkajs and librdkafka, F = 1 (events/s; B1 16898, B1RD 42568, H 15350)',
        value: '**0.36** (0.31–0.40)',
        goal: '≥ 0.85',
        met: false,
      },
      {
        arm: 'router',
        measure: "router H / B1, F = 1 (events/s; B1 16898, H 15350), kafkajs's B1 alone",
        value: '**0.89** (0.83–0.99)',
        goal: '—',
      },
    ]);
  });

  it('gives the end-to-end latencies by rate and the goal at 500/s', () => {
    const rows = rowsOf('e2e', e2e);
    expect(rows[0]).toMatchObject({ value: '900' });
    expect(rows.find((r) => r.measure.includes('at 500/s'))).toMatchObject({
      value: '40.03 / 80 / 80', // 40 ms sits in a bucket 32 µs wide: its upper end
      goal: 'p99 ≤ 50 ms',
      met: false,
    });
    expect(rows.at(-1)!.measure).toContain('(450/s)');
  });

  it('reads the CLI start-up arm’s ratios against node -e 0', () => {
    const cli = {
      baselineMedianMs: 40,
      arms: [
        {
          arm: 'crossdock --help',
          medianMs: 44,
          ratio: { median: 1.1, min: 1.02, max: 1.3 },
          goal: { ratio: 3, met: true },
        },
        { arm: 'crossdock dlq --help', medianMs: 900, ratio: { median: 22.5, min: 20, max: 25 } },
      ],
    };
    expect(rowsOf('cli', cli)).toEqual([
      {
        arm: 'cli',
        measure: 'CLI crossdock --help / node -e 0 (wall time; 44 ms median, node -e 0 40 ms)',
        value: '**1.10** (1.02–1.30)',
        goal: '≤ 3',
        met: true,
      },
      {
        arm: 'cli',
        measure: 'CLI crossdock dlq --help / node -e 0 (wall time; 900 ms median, node -e 0 40 ms)',
        value: '**22.50** (20.00–25.00)',
        goal: '—',
      },
    ]);
    expect(checkOf('cli', cli).ok).toBeUndefined();
  });

  it('says “—” for an arm that wrote nothing instead of failing', () => {
    expect(rowsOf('ingest', undefined).every((r) => r.value === '—' && r.met === undefined)).toBe(true);
    expect(checkOf('router', undefined)).toEqual({ arm: 'router', detail: 'no results' });
  });

  it('checks every arm’s exactly-once count', () => {
    expect(checkOf('router', router)).toMatchObject({ ok: false });
    expect(checkOf('router', { ...router, summary: [router.summary[0]] })).toMatchObject({ ok: true });
    expect(checkOf('delivery', delivery)).toMatchObject({ ok: true });
    expect(checkOf('delivery', { ...delivery, openLoop: { x: { lossOrDup: true } } })).toMatchObject({
      ok: false,
    });
    expect(checkOf('ingest', ingest)).toMatchObject({ ok: true });
    expect(checkOf('ingest', { ...ingest, invalid: true })).toMatchObject({ ok: false });
    expect(checkOf('e2e', e2e)).toMatchObject({ ok: true });
    const lossy = { ...e2e, valid: false, problems: ['500/s: 2 lost'] };
    expect(checkOf('e2e', lossy)).toMatchObject({ ok: false });
    expect(checkOf('e2e', lossy).detail).toContain('500/s: 2 lost');
  });
});

describe('npm run bench: what it writes', () => {
  it('names the results file by the run’s UTC date', () => {
    expect(resultsFileName('2026-12-05T23:59:59.000Z')).toBe('bench/results/2026-12-05.json');
  });

  it('renders the docs section from the run: rows, checks, end-to-end tables, commands', () => {
    const s = renderSection(run());
    expect(s.startsWith(BEGIN)).toBe(true);
    expect(s.endsWith(END)).toBe(true);
    expect(s).toContain('`bench/results/2026-12-05.json`');
    expect(s).toContain('load average 3.2, 2.0, 1.0 at the start');
    expect(s).toContain(
      '| router H / B1, F = 1 (events/s; B1 16898, H 15350) | **0.89** (0.83–0.99) | ≥ 0.85 | met |',
    );
    expect(s).toContain('| router | **FAILED** |');
    expect(s).toContain('| 500/s | 3 | 500 | 40.03 | 80 | 80 | 80 | 0 | 0 |');
    expect(s).toContain('Goal p99 ≤ 50 ms at 500 events/s: **not met** (p99 80 ms).');
    expect(s).toContain('- cli: `(bench/cli/startup.ts)` — skipped (not on this branch)');
    expect(s).toContain('A quick run');
  });

  it('shows the breakdown for the goal’s rate, without the warm-up', () => {
    const md = e2eMarkdown(e2e);
    expect(md).not.toContain('warm-up');
    expect(md).toContain('Where the time goes at 500/s');
    expect(md).toContain('| end to end: scheduled → receiver | 40.03 | 80 | 80 | 80 |');
    expect(md).toContain(
      "The hub's metrics over the 500/s phase: 40 router batches, 210.5 ms mean from fetch to commit (transaction included), 30 transactions (133.33 events each), 3 POSTs of 1.2 ms mean.",
    );
  });

  it('replaces its own section only, and places it before the router’s the first time', () => {
    const doc = `# B\n\nintro\n\n<!-- router:begin x -->\nR\n<!-- router:end -->\n`;
    const first = replaceSection(doc, `${BEGIN}\nONE\n${END}`);
    expect(first).toBe(
      `# B\n\nintro\n\n${BEGIN}\nONE\n${END}\n\n<!-- router:begin x -->\nR\n<!-- router:end -->\n`,
    );
    const second = replaceSection(first, `${BEGIN}\nTWO\n${END}`);
    expect(second).toBe(first.replace('ONE', 'TWO'));
    expect(replaceSection('# B\n', `${BEGIN}\nX\n${END}`)).toBe(`# B\n\n${BEGIN}\nX\n${END}\n`);
  });

  it('prints a text summary with the ratios, latencies and verdict', () => {
    const t = renderText(run());
    expect(t).toContain('0.89 (0.83–0.99)  goal ≥ 0.85 (met)');
    expect(t).toContain('router    FAILED');
    expect(t).toContain('500/s');
    expect(t).toContain('NOT a valid run');
  });
});

describe('npm run bench: options and arm sizes', () => {
  it('parses --quick, --json, --only and --no-write; refuses unknown arms and options', () => {
    expect(parseBenchArgs([])).toMatchObject({
      quick: false,
      json: false,
      write: true,
      only: ['router', 'delivery', 'ingest', 'e2e', 'cli'],
    });
    expect(parseBenchArgs(['--quick', '--json', '--only', 'e2e,router', '--no-write'])).toMatchObject({
      quick: true,
      json: true,
      write: false,
      only: ['router', 'e2e'],
    });
    expect(() => parseBenchArgs(['--only', 'routr'])).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(['--fast'])).toThrow(BenchUsageError);
  });

  it('runs smaller sizes when quick, and sends every arm’s results to the run’s file', () => {
    const quick = planArm('router', true, '/tmp/r.json');
    const full = planArm('router', false, '/tmp/r.json');
    expect(quick.args).toContain('10000');
    expect(full.command).toBe(
      'npm run bench:router -- --events 60000 --warmup 10000 --reps 5 --concurrency 3',
    );
    expect(quick.env.CD_BENCH_RESULTS_FILE).toBe('/tmp/r.json');
    expect(planArm('delivery', true, 'f').command).toBe(
      'BENCH_EVENTS=4000 BENCH_REPS=1 BENCH_OPEN_SECONDS=3 npm run bench:delivery',
    );
    expect(planArm('e2e', true, '/tmp/e.json').args).toEqual(['--quick', '--json', '--out', '/tmp/e.json']);
  });
});
