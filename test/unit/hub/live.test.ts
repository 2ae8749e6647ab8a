import type { HubComponent } from '../../../core/component';
import type { HubConfig } from '../../../core/config';
import { loadConfigText } from '../../../hub';
import type { ComponentContext, ComponentGroup } from '../../../hub/components';
import { diffConfig, restartOnlyProblems } from '../../../hub/config-diff';
import { LiveComponents } from '../../../hub/live';
import { silentLogger } from '../../../core/logger';
import { createHealthServer } from '../../../core/health';

/**
 * hub/config-diff.ts and hub/live.ts: which parts of a running hub a new configuration touches,
 * and how the component set follows it (with recording components; no Kafka here: the
 * integration test test/integration/hub/live-config.test.ts runs the real thing).
 */
const yaml = (subscribers: string[], routes: string, extra = '') => `
hub: { topicPrefix: cd${extra} }
sites:
  - { id: us-atl, name: Atlanta, country: US, timezone: America/New_York, connector: { kind: sdk } }
subscribers:
${subscribers.map((s) => `  - { id: ${s}, sink: { kind: http, url: http://127.0.0.1:1/${s} } }`).join('\n')}
routes:
${routes}
`;
const twoRoutes = `  - { name: a, match: { eventTypes: ['Order*'] }, to: [erp] }\n  - { name: b, match: {}, to: [tms] }`;
const oneRoute = `  - { name: a, match: { eventTypes: ['Order*'] }, to: [erp] }`;

describe('diffConfig', () => {
  it('names added, removed and changed subscribers, route and rule changes', () => {
    const a = loadConfigText(yaml(['erp', 'tms'], twoRoutes));
    const b = loadConfigText(yaml(['erp', 'fin'], oneRoute).replace('to: [erp]', 'to: [erp, fin]'));
    const d = diffConfig(a, b);
    expect(d.subscribers).toEqual({ added: ['fin'], removed: ['tms'], changed: [] });
    expect(d.sites).toEqual({ added: [], removed: [], changed: [] });
    expect(d.routes).toBe(true);
    expect(d.rules).toBe(false);
    expect(d.none).toBe(false);
    expect(d.restartOnly).toEqual([]);
  });

  it('says nothing changed for the same file, and lists each restart-only setting', () => {
    const a = loadConfigText(yaml(['erp'], oneRoute));
    expect(diffConfig(a, loadConfigText(yaml(['erp'], oneRoute))).none).toBe(true);
    const b = loadConfigText(yaml(['erp'], oneRoute, ', router: { groupId: other }'));
    const problems = restartOnlyProblems(diffConfig(a, b));
    expect(problems.map((p) => p.path)).toEqual(['hub.router.groupId']);
    expect(problems[0]!.message).toMatch(/"cd-router" to "other".*restart/);
  });
});

describe('LiveComponents', () => {
  const events: string[] = [];
  const component = (name: string, failStart = false): HubComponent => ({
    name,
    start: async () => {
      if (failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
    },
    stop: async () => void events.push(`stop ${name}`),
  });
  const failing = new Set<string>();
  const groups: ComponentGroup[] = [
    {
      name: 'router',
      units: (c) => new Map([['router', JSON.stringify(c.routes)]]),
      create: () => [component('router')],
      reconfigure: async (_c, next) => void events.push(`reconfigure router (${next.routes.length} routes)`),
    },
    {
      name: 'connectors',
      units: (c) => new Map(c.subscribers.map((s) => [s.id, JSON.stringify(s)])),
      create: (_ctx, id) => [component(`connector:${id}`, failing.has(id))],
    },
  ];
  const ctx = (config: HubConfig): ComponentContext => ({
    config,
    endpoints: { kafkaBrokers: [], kafkaSaslBrokers: [], registryUrl: '', redisUrl: '' } as never,
    logger: silentLogger(),
    health: createHealthServer(undefined, { defaultMetrics: false }),
  });

  beforeEach(() => {
    events.length = 0;
    failing.clear();
  });

  it('starts in order, applies a change unit by unit, and stops in reverse order of the current list', async () => {
    const live = new LiveComponents(groups, ctx(loadConfigText(yaml(['erp', 'tms'], twoRoutes))));
    await live.start();
    expect(events).toEqual(['start router', 'start connector:erp', 'start connector:tms']);
    events.length = 0;

    const change = await live.apply(
      loadConfigText(yaml(['erp', 'fin'], oneRoute).replace('to: [erp]', 'to: [erp, fin]')),
    );
    expect(events).toEqual(['reconfigure router (1 routes)', 'stop connector:tms', 'start connector:fin']);
    expect(change).toMatchObject({
      started: ['connector:fin'],
      stopped: ['connector:tms'],
      reconfigured: ['router'],
    });
    expect(live.list().map((c) => c.name)).toEqual(['router', 'connector:erp', 'connector:fin']);
    events.length = 0;

    await live.stop(() => undefined);
    expect(events).toEqual(['stop connector:fin', 'stop connector:erp', 'stop router']);
  });

  it('goes back to the previous configuration when a unit does not start from the new one', async () => {
    const first = loadConfigText(yaml(['erp'], oneRoute));
    const live = new LiveComponents(groups, ctx(first));
    await live.start();
    events.length = 0;
    failing.add('tms');
    await expect(live.apply(loadConfigText(yaml(['erp', 'tms'], twoRoutes)))).rejects.toThrow(
      'tms cannot start',
    );
    expect(live.config).toBe(first);
    expect(live.list().map((c) => c.name)).toEqual(['router', 'connector:erp']);
    // The router took the new routes, then the old ones again.
    expect(events).toEqual(['reconfigure router (2 routes)', 'reconfigure router (1 routes)']);
  });

  it('replaces a unit whose group cannot take the change in place (reconfigure answers false)', async () => {
    const inPlace: ComponentGroup = {
      name: 'router',
      units: (c) => new Map([['router', JSON.stringify(c.routes)]]),
      create: () => [component('router')],
      // In place only while there is one route (as the sources take new keys, not a new part).
      reconfigure: async (_c, next) => {
        if (next.routes.length !== 1) return false;
        events.push('reconfigure router');
        return true;
      },
    };
    const live = new LiveComponents([inPlace], ctx(loadConfigText(yaml(['erp', 'tms'], oneRoute))));
    await live.start();
    events.length = 0;
    const replaced = await live.apply(loadConfigText(yaml(['erp', 'tms'], twoRoutes)));
    expect(events).toEqual(['stop router', 'start router']);
    expect(replaced).toMatchObject({ started: ['router'], stopped: ['router'], reconfigured: [] });
    events.length = 0;
    const kept = await live.apply(
      loadConfigText(yaml(['erp', 'tms'], oneRoute.replace("['Order*']", "['OrderReleased']"))),
    );
    expect(events).toEqual(['reconfigure router']);
    expect(kept).toMatchObject({ started: [], stopped: [], reconfigured: ['router'] });
    await live.stop(() => undefined);
  });
});
