import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoSummary } from '../../../demo';
import { stackPaths } from '../../../stack';
import { runCli } from '../../helpers/hub';
import { testKafka } from '../../helpers/stack';

/**
 * `crossdock demo` as `npm start` runs it, for 25 seconds with --json and free ports, on the shared
 * stack: every site gets events accepted through its own kind of connector, every subscriber
 * receives some, the bad input is refused at ingest or dead-lettered with codes, and the
 * reconciliation holds (every accepted event delivered, waiting or dead-lettered for every
 * subscriber its routes chose). The flows: the summary has a line per configured flow and a worst
 * site, consistent with the scorecards (completed ≤ started, the worst site's conformance is the
 * minimum), and the run raised flow alerts on `<prefix>.flow.alerts`. Asserted on counts, never
 * on timings. The run's topics are gone afterwards.
 */
describe('crossdock demo (real Kafka, registry, Redis)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-demo-'));

  beforeAll(() => {
    // Its own CROSSDOCK_HOME (run file, drop folders, local keys, log), with the shared stack's
    // site credentials so the SDK sites can log in.
    fs.mkdirSync(path.join(home, 'stack'), { recursive: true });
    fs.copyFileSync(stackPaths().credentialsFile, path.join(home, 'stack', 'credentials.json'));
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it("runs the distributor's business through every kind of site and reconciles it", async () => {
    const res = await runCli(
      [
        'demo',
        '--duration',
        '25',
        '--rate',
        '20',
        '--seed',
        '15',
        '--free-ports',
        '--settle',
        '70',
        '--json',
      ],
      { CROSSDOCK_HOME: home, CROSSDOCK_CACHE_DIR: stackPaths().cache },
      300_000,
    );
    let summary: DemoSummary;
    try {
      summary = JSON.parse(res.stdout) as DemoSummary;
    } catch {
      throw new Error(`no JSON summary (exit ${res.code}):\n${res.out.slice(-4000)}`);
    }
    const r = summary.reconciliation;
    if (!r.holds)
      throw new Error(
        `reconciliation does not hold:\n${JSON.stringify(r, null, 2)}\n${res.stderr.slice(-2000)}`,
      );
    expect(res.code).toBe(0);

    // Every site got events accepted, each through its own kind of connector.
    expect(Object.keys(summary.sites).sort()).toEqual([
      'ca-tor',
      'ca-yvr',
      'mx-gdl',
      'mx-mty',
      'us-atl',
      'us-chi',
      'us-dal',
      'us-nwk',
    ]);
    const kinds = Object.fromEntries(Object.entries(summary.sites).map(([id, s]) => [id, s.kind]));
    expect(kinds).toEqual({
      'us-chi': 'http',
      'us-nwk': 'http',
      'mx-mty': 'http',
      'us-dal': 'csv',
      'ca-yvr': 'csv',
      'mx-gdl': 'csv',
      'us-atl': 'sdk',
      'ca-tor': 'sdk',
    });
    for (const s of Object.values(summary.sites)) expect(s.accepted).toBeGreaterThan(0);

    // Every subscriber received some.
    for (const id of ['central-erp', 'finance', 'customer-notifications', 'tms', 'analytics'])
      expect(summary.subscribers[id]!.delivered).toBeGreaterThan(0);

    // Bad input: refused at ingest with codes, or dead-lettered by the router with codes.
    const refused = Object.values(summary.sites).flatMap((s) => Object.keys(s.refused));
    const deadLettered = [
      ...Object.keys(summary.deadLettered.router),
      ...Object.keys(summary.deadLettered.delivery),
    ];
    expect(refused.length + deadLettered.length).toBeGreaterThan(0);
    for (const code of [...refused, ...deadLettered]) expect(code).toMatch(/^CD_E_[A-Z_]+$/);
    const bad = Object.values(summary.sites).reduce(
      (n, s) => n + Object.values(s.bad).reduce((a, b) => a + b, 0),
      0,
    );
    const refusedCount = Object.values(summary.sites).reduce(
      (n, s) => n + Object.values(s.refused).reduce((a, b) => a + b, 0),
      0,
    );
    const routerDead = Object.values(summary.deadLettered.router).reduce((a, b) => a + b, 0);
    const deliveryDead = Object.values(summary.deadLettered.delivery).reduce((a, b) => a + b, 0);
    expect(refusedCount + routerDead + deliveryDead).toBeGreaterThan(0);
    expect(refusedCount + routerDead + deliveryDead).toBeLessThanOrEqual(bad);

    // Nothing missing: accepted = routed + dead-lettered by the router + unrouted, and per subscriber
    // routed = delivered + waiting + dead-lettered.
    expect(r.undecided).toBe(0);
    expect(r.accepted).toBe(r.routed + routerDead + r.unrouted);
    for (const [id, s] of Object.entries(r.subscribers)) {
      expect({ id, missing: s.missing, unexpected: s.unexpected }).toEqual({ id, missing: 0, unexpected: 0 });
      expect(s.delivered + s.waiting + Object.values(s.deadLettered).reduce((a, b) => a + b, 0)).toBe(
        s.expected,
      );
    }
    // Sites that sent an event twice with its id: the router dropped the copies.
    const resent = Object.values(summary.sites).reduce((n, s) => n + s.resent, 0);
    expect(summary.duplicatesSuppressed).toBe(resent);

    // The flows of examples/hub.yaml, as the tracker's scorecards of the run say.
    const f = summary.flows;
    expect(f.unavailable).toBeUndefined();
    expect(Object.keys(f.byFlow).sort()).toEqual(['held-orders', 'order-to-cash', 'returns', 'transfers']);
    for (const [flow, l] of Object.entries(f.byFlow)) {
      const completed = l.completedOnTime + l.completedLate;
      expect({ flow, ok: completed + l.incomplete <= l.started }).toEqual({ flow, ok: true });
      expect(l.open).toBe(l.started - completed - l.incomplete);
    }
    const o2c = f.byFlow['order-to-cash']!;
    expect(o2c.started).toBeGreaterThan(0);
    expect(o2c.completedOnTime + o2c.completedLate).toBeGreaterThan(0);
    // The business's flows were followed: no more instances started than it began (plus the
    // releases the hub accepted from its CSV and HTTP sites, which it counts the same way).
    expect(o2c.started).toBeLessThanOrEqual(f.planned['order-to-cash']!.started);
    // Every configured site has a scorecard; the worst site is the one with the lowest conformance.
    for (const site of Object.keys(summary.sites)) expect(f.conformance.map((c) => c.siteId)).toContain(site);
    const lowest = Math.min(...f.conformance.map((c) => c.conformance));
    expect(f.worstSite).not.toBeNull();
    expect(f.worstSite!.conformance).toBe(lowest);
    expect(f.conformance.find((c) => c.siteId === f.worstSite!.siteId)!.conformance).toBe(lowest);
    // Late steps raised alerts on the run's flow.alerts topic, counted by kind by the tracker.
    // (The two are read a moment apart while alerts may still be raised: each is checked alone.)
    expect(f.alerts.onTopic).toBeGreaterThan(0);
    expect(Object.values(f.alerts.byKind).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const k of Object.keys(f.alerts.byKind)) expect(['STEP_LATE', 'FLOW_INCOMPLETE']).toContain(k);
    expect(f.trackerLag).toBe(0);

    // The run cleaned up after itself: none of its topics is left.
    const admin = testKafka().admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((t) => t.startsWith(`${summary.topicPrefix}.`))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
    // Its own budget, above the CLI's (300 s): getting ready (up to 60 s), 25 s of business, up to
    // 70 s of settling and the cleanup can pass jest's 120 s on a busy 2-core machine.
  }, 310_000);

  it('Ctrl-C while the run is starting: the hub finishes starting, the run ends with its summary and removes its topics', async () => {
    const child = spawn(
      process.execPath,
      ['bin/crossdock.js', 'demo', '--free-ports', '--json', '--settle', '5', '--seed', '16'],
      {
        cwd: path.resolve(__dirname, '../../..'),
        env: { ...process.env, CROSSDOCK_HOME: home, CROSSDOCK_CACHE_DIR: stackPaths().cache },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 150_000);
    // The run's first line names it; Ctrl-C right then, long before its hub is up.
    const prefix = await new Promise<string>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /crossdock demo: run (demo-[0-9a-f]+)/.exec(stderr);
        if (m && child.signalCode === null && !child.killed) {
          child.kill('SIGINT');
          resolve(m[1]!);
        }
      }),
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(guard);
    expect(stderr).toContain('Ctrl-C: the run stops once its hub is up');
    const summary = JSON.parse(stdout) as DemoSummary;
    expect(summary.topicPrefix).toBe(prefix);
    expect(summary.reconciliation.holds).toBe(true);
    expect(code).toBe(0);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});
