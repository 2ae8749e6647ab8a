import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { createHealthServer } from '../../../core/health';
import { createLogger } from '../../../core/logger';
import { flowKeys, redisPrefixFor } from '../../../core/names/redis-keys';
import { topicsForPrefix } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import { hubAdminApi, tokenSha256, type AdminApi } from '../../../dlq';
import {
  SCORE_FIELDS as F,
  createScorecardRecorder,
  hourStart,
  readScorecards,
  scorecardQuery,
  type IngressFact,
  type SiteScorecard,
} from '../../../flows';
import { loadConfigText } from '../../../hub';
import { runCli } from '../../helpers/hub';
import { createTopics, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * GET /api/v1/sites/scorecard as `crossdock start` wires it (dlq/api/for-hub.ts with hub/start.ts's
 * scorecardQuery) over the example hub's sites and flows on a prefix of its own, and
 * `crossdock sites scorecard` through it: viewers read, a request without a token is refused,
 * an unknown site and a bad period are coded; the CLI's --json is the reader's result.
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

let redis: Redis;
let api: AdminApi;
let home: string;
const health = createHealthServer();

beforeAll(async () => {
  redis = createRedis({ url: testEndpoints().redisUrl, name: 'scorecard-api-test' });
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [t.audit]);
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
  api = hubAdminApi({
    config: () => config,
    endpoints: testEndpoints(),
    logger: createLogger({ level: 'silent' }),
    health,
    redisPrefix,
    port: 0,
    scorecards: ({ redis: r, redisPrefix: p }) =>
      scorecardQuery({ redis: r, redisPrefix: p, config: () => config }),
  });
  await api.start();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-scorecard-cli-'));
});

afterAll(async () => {
  await api?.stop();
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  fs.rmSync(home, { recursive: true, force: true });
});

async function get(query: string, token?: string) {
  const res = await fetch(`${api.url}/api/v1/sites/scorecard${query}`, {
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
