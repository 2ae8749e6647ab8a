import path from 'node:path';
import { loadConfig, loadConfigText } from '../../../hub';
import { resolveEndpoints } from '../../../core/env';
import { silentLogger } from '../../../core/logger';
import {
  createSourceComponents,
  httpKeysFor,
  siteMappingsFor,
} from '../../../connectors/sources/from-config';

const example = path.join(__dirname, '../../../examples/hub.yaml');

describe('source components from the hub configuration', () => {
  it('examples/hub.yaml: one HTTP ingest and one CSV watcher, every site mapping valid', () => {
    const config = loadConfig(example);
    const components = createSourceComponents({
      config,
      endpoints: resolveEndpoints({}),
      logger: silentLogger(),
      env: { CROSSDOCK_KEY_US_CHI: 'a', CROSSDOCK_KEY_US_NWK: 'b', CROSSDOCK_KEY_MX_MTY: 'c' },
    });
    expect(components.map((c) => c.name)).toEqual(['http-ingest', 'csv-drop-folder']);
    for (const site of config.sites.filter((s) => s.connector.kind !== 'sdk'))
      expect(siteMappingsFor(config, site).siteId).toBe(site.id);
  });

  it('reads key secrets from the environment and refuses a key whose variable is unset', () => {
    const yaml = `
hub: { topicPrefix: cd }
sites:
  - { id: us-chi, name: Chicago, country: US, connector: { kind: http, keys: [{ id: chi-1, secretEnv: CHI_KEY_1 }, { id: chi-2, secretEnv: CHI_KEY_2, expiresAt: '2027-01-01T00:00:00Z' }] } }
subscribers: [{ id: analytics, sink: { kind: kafka } }]
routes: [{ name: all, match: {}, to: [analytics] }]
`;
    const config = loadConfigText(yaml, path.join(path.dirname(example), 'inline.yaml'));
    expect(httpKeysFor(config, { CHI_KEY_1: 'a', CHI_KEY_2: 'b' })).toEqual([
      { id: 'chi-1', siteId: 'us-chi', secret: 'a' },
      { id: 'chi-2', siteId: 'us-chi', secret: 'b', expiresAt: '2027-01-01T00:00:00Z' },
    ]);
    expect(() => httpKeysFor(config, { CHI_KEY_1: 'a' })).toThrow(
      expect.objectContaining({ code: 'CD_E_SITE_SECRET_MISSING' }),
    );
  });

  it('the connector schema refuses settings of another kind and more than two keys', () => {
    const bad = `
hub: { topicPrefix: cd }
sites:
  - { id: us-chi, name: Chicago, country: US, connector: { kind: http, policy: publish-good } }
  - { id: us-dal, name: Dallas, country: US, connector: { kind: csv, keys: [{ id: a12, secretEnv: A }, { id: b12, secretEnv: B }, { id: c12, secretEnv: C }] } }
subscribers: [{ id: analytics, sink: { kind: kafka } }]
routes: [{ name: all, match: {}, to: [analytics] }]
`;
    expect(() => loadConfigText(bad, 'bad.yaml')).toThrow(
      expect.objectContaining({ code: 'CD_E_CONFIG_INVALID' }),
    );
  });

  it('an explicit librdkafka for ingest that cannot be loaded stops the hub before anything starts; auto and kafkajs run on kafkajs', () => {
    const yaml = (client: string) => `
hub: { topicPrefix: cd, kafka: { clients: { ingest: ${client} } } }
sites:
  - { id: us-dal, name: Dallas, country: US, connector: { kind: csv } }
subscribers: [{ id: analytics, sink: { kind: kafka } }]
routes: [{ name: all, match: {}, to: [analytics] }]
`;
    const make = (client: string) =>
      createSourceComponents({
        config: loadConfigText(yaml(client), path.join(path.dirname(example), 'inline.yaml')),
        endpoints: resolveEndpoints({}),
        logger: silentLogger(),
        env: { CROSSDOCK_KAFKA_NATIVE: 'off' },
      });
    expect(() => make('librdkafka')).toThrow(
      expect.objectContaining({
        code: 'CD_E_KAFKA_NATIVE_UNAVAILABLE',
        message: expect.stringContaining('CROSSDOCK_KAFKA_NATIVE=off'),
      }),
    );
    expect(make('auto').map((c) => c.name)).toEqual(['csv-drop-folder']);
    expect(make('kafkajs').map((c) => c.name)).toEqual(['csv-drop-folder']);
    expect(() => loadConfigText(yaml('fast'), 'bad.yaml')).toThrow(
      expect.objectContaining({ code: 'CD_E_CONFIG_INVALID' }),
    );
  });
});
