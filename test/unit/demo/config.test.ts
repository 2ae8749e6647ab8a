import fs from 'node:fs';
import path from 'node:path';
import { loadConfigText } from '../../../hub';
import { demoConfigText, standInPlan } from '../../../demo/config';
import { inOutage } from '../../../demo/receivers';

const EXAMPLE = fs.readFileSync(path.resolve(__dirname, '../../../examples/hub.yaml'), 'utf8');

describe("demo run's configuration", () => {
  it('stands in for the webhook subscribers of examples/hub.yaml on their ports, or on free ones', () => {
    expect(standInPlan(EXAMPLE, false)).toEqual([
      { subscriber: 'central-erp', port: 8701, path: '/erp/events' },
      { subscriber: 'finance', port: 8702, path: '/finance/events' },
      { subscriber: 'customer-notifications', port: 8703, path: '/notify' },
      { subscriber: 'tms', port: 8704, path: '/tms/inbound' },
    ]);
    expect(standInPlan(EXAMPLE, true).map((p) => p.port)).toEqual([0, 0, 0, 0]);
  });

  it("changes only what the run owns: prefix, router group, drop folders, the stand-ins' URLs", () => {
    const text = demoConfigText(EXAMPLE, {
      prefix: 'demo-abc123',
      urls: new Map([['tms', 'http://127.0.0.1:5555/tms/inbound']]),
      dropFolder: (id) => `/tmp/run/drop/${id}`,
    });
    const config = loadConfigText(text);
    const example = loadConfigText(EXAMPLE.replace(/^\$schema:.*$/m, ''));
    expect(config.hub.topicPrefix).toBe('demo-abc123');
    expect(config.hub.router.groupId).toBe('demo-abc123-router');
    expect(config.subscriberById.tms!.sink).toMatchObject({ url: 'http://127.0.0.1:5555/tms/inbound' });
    expect(config.subscriberById.finance!.sink).toMatchObject({
      url: 'http://127.0.0.1:8702/finance/events',
    });
    const folders = config.sites
      .filter((s) => (s.connector as { kind: string }).kind === 'csv')
      .map((s) => (s.connector as { folder?: string }).folder);
    expect(folders).toEqual(['/tmp/run/drop/us-dal', '/tmp/run/drop/ca-yvr', '/tmp/run/drop/mx-gdl']);
    expect(config.routes).toEqual(example.routes);
    expect(config.rules).toEqual(example.rules);
    expect(config.sites.map((s) => s.id)).toEqual(example.sites.map((s) => s.id));
  });

  it("schedules the flaky receiver's outage from the start of the business", () => {
    const once = { startMs: 10_000, lengthMs: 5000, everyMs: 0 };
    expect([9999, 10_000, 14_999, 15_000, 200_000].map((t) => inOutage(once, t))).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    const every = { startMs: 10_000, lengthMs: 5000, everyMs: 60_000 };
    expect([70_000, 74_999, 75_000].map((t) => inOutage(every, t))).toEqual([true, true, false]);
  });
});
