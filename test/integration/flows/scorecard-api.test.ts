import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { consoleExtension } from '../../../console';
import { manualClock } from '../../../core/clock';
import { createHealthServer } from '../../../core/health';
import { silentLogger } from '../../../core/logger';
import { createLogger } from '../../../core/logger';
import { flowKeys, redisPrefixFor } from '../../../core/names/redis-keys';
import { topicsForPrefix } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import { hubAdminApi, tokenSha256, type AdminApi } from '../../../dlq';
import {
  SCORE_FIELDS as F,
  createFlowEngine,
  createFlowReader,
  createFlowStore,
  createScorecardRecorder,
  flowAlertEncoder,
  flowLog,
  hourStart,
  readScorecards,
  scorecardQuery,
  type FlowEngine,
  type IngressFact,
  type SiteScorecard,
} from '../../../flows';
import { loadConfigText } from '../../../hub';
import { loadCatalog } from '../../../schemas';
import { runCli } from '../../helpers/hub';
import { createTopics, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * GET /api/v1/sites/scorecard as `crossdock start` wires it (dlq/api/for-hub.ts with hub/start.ts's
 * scorecardQuery) over the example hub's sites and flows on a prefix of its own, and
 * `crossdock sites scorecard` through it: viewers read, a request without a token is refused,
 * an unknown site and a bad period are coded; the CLI's --json is the reader's result.
 * And the flow tracker's read side the same way (GET /flows, /flows/overdue, /flows/{flow}/{key}
 * with hub/start.ts's createFlowReader on the API's Redis) over instances a real flow engine made,
 * and the console's Flows page over it.
 */

const HOUR = 3_600_000;
const VIEWER = `viewer-${crypto.randomBytes(8).toString('hex')}`;
const EXAMPLE = path.join(__dirname, '../../../examples/hub.yaml');

const prefix = randomName('scoreapi');
const t = topicsForPrefix(prefix);
const doc = YAML.parse(fs.readFileSync(EXAMPLE, 'utf8')) as { hub: Record<string, unknown> };
doc.hub.topicPrefix = prefix;
doc.hub.admin = {
  host: '127.0.0.1',
  port: 0,
  tokens: [{ name: 'vera', role: 'viewer', sha256: tokenSha256(VIEWER) }],
};
const config = loadConfigText(YAML.stringify(doc), EXAMPLE);
const redisPrefix = redisPrefixFor(prefix);

const H = hourStart(Date.now()) - HOUR;
function fact(
  site: string,
  offset: number,
  outcome: IngressFact['outcome'],
  extra: Partial<IngressFact> = {},
): IngressFact {
  return {
    topic: t.ingress(site),
    partition: 0,
    offset: String(offset),
    siteId: site,
    eventId: `${site}-${offset}`,
    eventType: 'OrderReleased',
    schemaVersion: 1,
    deprecated: false,
    occurredAt: H + offset * 1000,
    receivedAt: H + offset * 1000,
    outcome,
    ...extra,
  };
}

/** Flow instances of us-nwk, made by a real engine on a clock of its own, days before the scorecards' hour. */
const T0 = H - 10 * 24 * HOUR;
const LATE = `ORD-late-${crypto.randomBytes(4).toString('hex')}`;
const DONE = `ORD-done-${crypto.randomBytes(4).toString('hex')}`;
let engine: FlowEngine;
let seq = 0;
function step(eventType: string, orderId: string, at: number): IngressFact {
  seq++;
  return {
    ...fact('us-nwk', 100 + seq, 'accepted', { eventType, occurredAt: at, receivedAt: at }),
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    event: { orderId, totalAmount: '120.50', metadata: {} },
  };
}

let redis: Redis;
let api: AdminApi;
let home: string;
const health = createHealthServer();

beforeAll(async () => {
  redis = createRedis({ url: testEndpoints().redisUrl, name: 'scorecard-api-test' });
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [t.audit, t.flowAlerts]);
  await admin.disconnect();
  await createScorecardRecorder({ redis, redisPrefix }).onFacts([
    fact('us-nwk', 0, 'accepted'),
    fact('us-nwk', 1, 'accepted', { schemaVersion: 1, deprecated: true }),
    fact('us-nwk', 2, 'rejected', {
      rejection: { code: 'CD_E_RULE_VIOLATION', rule: 'positive-quantities' },
    }),
    fact('ca-yvr', 0, 'accepted'),
    fact('ca-yvr', 1, 'duplicate'),
  ]);
  // One order-to-cash instance of us-nwk completed on time, as the engine counts it.
  const hour = flowKeys(redisPrefix).siteHour('us-nwk', H);
  await redis
    .multi()
    .hincrby(hour, F.flowStarted('order-to-cash'), 1)
    .hincrby(hour, F.flowCompleted('order-to-cash'), 1)
    .hincrby(hour, F.flowCompletedOnTime('order-to-cash'), 1)
    .exec();
  const clock = manualClock(T0);
  engine = createFlowEngine({
    redis,
    redisPrefix,
    flows: () => config.flows,
    sites: () => config.siteById,
    clock,
    log: flowLog(silentLogger()),
    alerts: {
      kafka,
      topic: t.flowAlerts,
      encode: flowAlertEncoder(loadCatalog(), testEndpoints().registry),
      checkGroupPrefix: `${prefix}.flow-alerts-check-`,
    },
  });
  await engine.onFacts([
    step('OrderReleased', LATE, T0),
    step('OrderReleased', DONE, T0),
    step('ShipmentConfirmed', DONE, T0 + HOUR),
    step('InvoiceGenerated', DONE, T0 + 2 * HOUR),
  ]);
  // ShipmentConfirmed of LATE was due 48 h after its release: the scan raises STEP_LATE.
  clock.set(T0 + 49 * HOUR);
  expect((await engine.scanOnce()).map((a) => [a.kind, a.instanceKey])).toEqual([['STEP_LATE', LATE]]);
  api = hubAdminApi({
    config: () => config,
    endpoints: testEndpoints(),
    logger: createLogger({ level: 'silent' }),
    health,
    redisPrefix,
    port: 0,
    scorecards: ({ redis: r, redisPrefix: p }) =>
      scorecardQuery({ redis: r, redisPrefix: p, config: () => config }),
    // As hub/start.ts wires them.
    flows: ({ redis: r, redisPrefix: p }) =>
      createFlowReader({
        store: createFlowStore({ redis: r, redisPrefix: p }),
        flows: () => config.flows,
        sites: () => config.siteById,
      }),
    extend: consoleExtension(),
  });
  await api.start();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-scorecard-cli-'));
});

afterAll(async () => {
  await api?.stop();
  await engine?.stop();
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function get(query: string, token?: string, path = '/sites/scorecard') {
  const res = await fetch(`${api.url}/api/v1${path}${query}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const cli = (args: string[]) =>
  runCli(['sites', 'scorecard', '--hub', api.url!, ...args], {
    CROSSDOCK_HOME: home,
    CROSSDOCK_ADMIN_TOKEN: VIEWER,
  });

describe('site scorecards over the admin API and the CLI', () => {
  it('answers a viewer with every configured site, worst first, figures as the reader gives them', async () => {
    const since = H;
    const until = H + 10;
    const res = await get(`?since=${since}&until=${until}`, VIEWER);
    expect(res.status).toBe(200);
    const cards = res.body.scorecards as SiteScorecard[];
    expect(cards.map((c) => c.siteId).sort()).toEqual(config.sites.map((s) => s.id).sort());
    const nwk = cards.find((c) => c.siteId === 'us-nwk')!;
    // 2 accepted of 3, 1 of 2 deprecated, the one ended instance on time: 2/3 × 1/2 × 1.
    expect(nwk).toMatchObject({ accepted: 2, rejected: 1, deprecated: 1, conformance: (2 / 3) * (1 / 2) });
    expect(cards[0]!.siteId).toBe('us-nwk');
    expect(nwk.flows.find((f) => f.flow === 'order-to-cash')!.completionRate).toBe(1);
    const direct = await readScorecards({ redis, redisPrefix, config, since, until });
    expect(cards).toEqual(JSON.parse(JSON.stringify(direct)));
  });

  it('refuses a request without a token or with an unknown one', async () => {
    expect(await get('')).toMatchObject({ status: 401, body: { code: 'CD_E_ADMIN_UNAUTHORIZED' } });
    expect(await get('', 'nope')).toMatchObject({ status: 401, body: { code: 'CD_E_ADMIN_UNAUTHORIZED' } });
  });

  it('codes an unknown site (404) and a bad period (400)', async () => {
    expect(await get('?site=zz-nowhere', VIEWER)).toMatchObject({
      status: 404,
      body: { code: 'CD_E_SCORECARD_SITE_NOT_FOUND' },
    });
    expect(await get('?since=yesterday', VIEWER)).toMatchObject({
      status: 400,
      body: { code: 'CD_E_SCORECARD_PERIOD_INVALID' },
    });
  });

  it('the OpenAPI document lists the operation', async () => {
    const res = await fetch(`${api.url}/api/v1/openapi.json`);
    const openapi = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain('/api/v1/sites/scorecard');
  });

  it('crossdock sites scorecard --json prints the reader’s result; the table names the figures', async () => {
    const since = new Date(H).toISOString();
    let r = await cli(['--json', '--since', since]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const printed = JSON.parse(r.stdout) as SiteScorecard[];
    // The same whole hours the CLI's period rounded to (its `until` was its own clock).
    const direct = await readScorecards({ redis, redisPrefix, config, since: H, until: printed[0]!.to - 1 });
    expect(printed).toEqual(JSON.parse(JSON.stringify(direct)));

    r = await cli(['--since', since]);
    expect(r.code).toBe(0);
    const nwkLine = r.stdout.split('\n').find((l) => l.startsWith('us-nwk'))!;
    // conformance 33.3%, 2 accepted, 1 rejected, 50.0% deprecated, order-to-cash 100.0% done.
    expect(nwkLine).toMatch(/^us-nwk\s+33\.3%\s+2\s+1\s+50\.0%\s+100\.0%/);
    expect(nwkLine).toContain('us-nwk > base');
    expect(r.stdout.split('\n').find((l) => l.startsWith('us-atl'))).toMatch(/never\s+sdk$/);

    r = await cli(['--site', 'us-nwk', '--since', since]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CD_E_RULE_VIOLATION\s+positive-quantities\s+1/);
    expect(r.stdout).toMatch(/OrderReleased\s+1\s+yes\s+1/);
    expect(r.stdout).toContain('Flow order-to-cash: started 1, completed 1 (1 on time)');
    expect(r.stdout).toMatch(/1 ShipmentConfirmed\s+0\s+0\s+-\s+-\s+2d/);
  });

  it('exits 2 for a bad --since and 3 for an unknown site, with their codes', async () => {
    let r = await cli(['--since', 'last tuesday']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error CD_E_SCORECARD_PERIOD_INVALID: --since');
    r = await cli(['--site', 'zz-nowhere', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'CD_E_SCORECARD_SITE_NOT_FOUND' });
  });
});

describe('the flow tracker’s instances and the catalog over the admin API, and the console’s Flows page', () => {
  it('answers a viewer with each flow’s open and overdue counts, the overdue instances and one instance, as the engine reads them', async () => {
    const summary = await get('', VIEWER, '/flows');
    expect(summary.status).toBe(200);
    expect(summary.body.flows).toEqual(await engine.summary());
    expect(summary.body.flows.find((f: { flow: string }) => f.flow === 'order-to-cash')).toEqual({
      flow: 'order-to-cash',
      open: 1,
      overdue: 1,
    });
    const overdue = await get('?limit=10', VIEWER, '/flows/overdue');
    expect(overdue.body.items).toEqual(await engine.listOverdue(10));
    expect(overdue.body.items).toEqual([
      expect.objectContaining({
        flow: 'order-to-cash',
        key: LATE,
        siteId: 'us-nwk',
        step: 'ShipmentConfirmed',
      }),
    ]);
    const one = await get('', VIEWER, `/flows/order-to-cash/${encodeURIComponent(DONE)}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ key: DONE, siteId: 'us-nwk', complete: true });
    expect(one.body).toEqual(JSON.parse(JSON.stringify(await engine.getInstance('order-to-cash', DONE))));
  });

  it('codes an unknown instance or flow (404) and refuses a request without a token', async () => {
    expect(await get('', VIEWER, '/flows/order-to-cash/ORD-none')).toMatchObject({
      status: 404,
      body: { code: 'CD_E_FLOW_INSTANCE_NOT_FOUND' },
    });
    expect(await get('', VIEWER, '/flows/no-such-flow/k')).toMatchObject({
      status: 404,
      body: { code: 'CD_E_FLOW_UNKNOWN' },
    });
    expect(await get('', undefined, '/flows')).toMatchObject({
      status: 401,
      body: { code: 'CD_E_ADMIN_UNAUTHORIZED' },
    });
  });

  it('lists the catalog the API follows', async () => {
    const res = await get('', VIEWER, '/catalog');
    expect(res.status).toBe(200);
    const types = (res.body.eventTypes as Array<{ eventType: string }>).map((e) => e.eventType);
    expect(types.sort()).toEqual(
      loadCatalog()
        .entries.map((e) => e.eventType)
        .sort(),
    );
  });

  it('the console’s Flows page shows the overdue instance, linked to its page and its alert’s trace', async () => {
    const res = await fetch(`${api.url}/console/flows`, { headers: { cookie: `cd_console=${VIEWER}` } });
    expect(res.status).toBe(200);
    const body = await res.text();
    const row = new RegExp(`<tr data-overdue-key="${LATE}"[\\s\\S]*?</tr>`).exec(body)![0];
    const [item] = await engine.listOverdue(1);
    expect(row).toContain(`href="/console/trace?eventId=${item!.alertId}"`);
    expect(row).toContain(`href="/console/flows/instance?flow=order-to-cash&amp;key=${LATE}"`);
    expect(body).toContain('<tr data-site="us-nwk"');
  });

  it('crossdock flows list and show read through the API with --hub (no --config): the engine’s figures', async () => {
    const flowsCli = (args: string[]) =>
      runCli(['flows', ...args, '--hub', api.url!], { CROSSDOCK_HOME: home, CROSSDOCK_ADMIN_TOKEN: VIEWER });
    let r = await flowsCli(['list', '--json']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toEqual({
      flows: await engine.summary(),
      overdue: await engine.listOverdue(20),
    });
    r = await flowsCli(['list']);
    expect(r.stdout).toContain('order-to-cash: 1 open, 1 overdue');
    expect(r.stdout).toContain(`order-to-cash ${LATE} (us-nwk): ShipmentConfirmed due`);
    r = await flowsCli(['show', 'order-to-cash', DONE, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(JSON.stringify(await engine.getInstance('order-to-cash', DONE))),
    );
    r = await flowsCli(['show', 'no-such-flow', 'k', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'CD_E_FLOW_UNKNOWN' });
  });
});
