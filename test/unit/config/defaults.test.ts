import Ajv from 'ajv';
import { loadConfigText } from '../../../hub';
import { branchOf, defaultsOf } from '../../../core/config/defaults';
import { HUB_SECTION_SCHEMA } from '../../../core/config/schema';
import { SINK_CONFIG_SCHEMA } from '../../../connectors/sinks/config-schema';
import { CONSUMER_DEFAULTS, subscriberRuntimeConfig } from '../../../connectors/sinks/runtime-config';
import { compileSinkSettings } from '../../../connectors/sinks/settings';
import { SOURCE_CONFIG_SCHEMA } from '../../../connectors/sources/config-schema';
import { createSourceComponents } from '../../../connectors/sources/from-config';
import { createHttpIngest } from '../../../connectors/sources/http/component';
import { resolveEndpoints } from '../../../core/env';
import { silentLogger } from '../../../core/logger';
import { DELIVERY_CONFIG_SCHEMA } from '../../../retry/config-schema';
import { compileDeliverySettings, DEFAULT_DELIVERY } from '../../../retry/settings';

// The source components are built, not run: no Kafka, Redis or HTTP server behind them.
jest.mock('../../../connectors/sources/http/component', () => ({
  createHttpIngest: jest.fn(() => ({
    name: 'http-ingest',
    port: 0,
    start: async () => {},
    stop: async () => {},
  })),
}));
jest.mock('../../../core/kafka', () => ({ createKafka: () => ({}) }));
jest.mock('../../../core/kafka-client/choose', () => ({
  chooseKafkaClient: () => ({ kind: 'kafkajs' }),
  ackedProducerFor: () => ({}),
}));
jest.mock('../../../core/redis', () => ({ createRedis: () => ({ disconnect: () => undefined }) }));

/**
 * Defaults are written once, in the schema fragments. For every part: a minimal section compiled
 * by the part's own code (no ajv pass, as a connector started from code gets it) must equal what
 * ajv fills from the schema's `default`s. A default changed in one place only fails here.
 */

/** A copy of `section` with the schema's defaults filled by ajv (as the hub configuration loader does). */
function filled(schema: object, section: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(section);
  const ajv = new Ajv({ useDefaults: true, strict: false, validateFormats: false });
  const ok = ajv.validate(schema, copy);
  if (!ok) throw new Error(`invalid test section: ${ajv.errorsText()}`);
  return copy;
}

/** The fields ajv added to `section` (what the schema defaults), with their values. */
function addedDefaults(schema: object, section: Record<string, unknown>): Record<string, unknown> {
  const full = filled(schema, section);
  return Object.fromEntries(Object.entries(full).filter(([k]) => !(k in section)));
}

describe('defaults are the schema defaults, for every part', () => {
  it.each([
    ['http', { kind: 'http', url: 'http://127.0.0.1:1/hook' }],
    ['kafka', { kind: 'kafka' }],
  ])('sink (%s): compiled settings carry every default the schema fills', (_kind, section) => {
    const defaults = addedDefaults(SINK_CONFIG_SCHEMA, section);
    expect(Object.keys(defaults).length).toBeGreaterThan(3);
    const compiled = compileSinkSettings(section, 'sub', 'cd', 32, {}) as unknown as Record<string, unknown>;
    const picked = Object.fromEntries(Object.keys(defaults).map((k) => [k, compiled[k]]));
    expect(picked).toEqual(defaults);
    // The same section with ajv's filling compiles to the same settings.
    expect(compileSinkSettings(filled(SINK_CONFIG_SCHEMA, section), 'sub', 'cd', 32, {})).toEqual(compiled);
  });

  it('delivery (retry, ordering, breaker, limits, idempotency): the compiled defaults are the schema defaults', () => {
    const full = filled(DELIVERY_CONFIG_SCHEMA, {});
    expect(DEFAULT_DELIVERY).toEqual(full);
    // rateLimit.burst 0 is documented as max(1, perSecond): with the default rate that is 1.
    const rate = full.rateLimit as { perSecond: number; burst: number };
    const expected = { ...full, rateLimit: { ...rate, burst: Math.max(1, rate.perSecond) } };
    expect(compileDeliverySettings(undefined)).toEqual(expected);
    expect(compileDeliverySettings({})).toEqual(expected);
    expect(compileDeliverySettings(full)).toEqual(expected);
  });

  it('sink connector: a subscriber without options gets the sink and delivery defaults and the consumer constants', () => {
    const config = subscriberRuntimeConfig({ id: 'sub', sink: { kind: 'kafka' } }, { env: {} });
    expect(config.delivery).toEqual(compileDeliverySettings(filled(DELIVERY_CONFIG_SCHEMA, {})));
    expect(config.sink).toEqual(
      compileSinkSettings(filled(SINK_CONFIG_SCHEMA, { kind: 'kafka' }), 'sub', 'cd', 32, {}),
    );
    expect(config.consumer).toEqual({ groupId: 'cd-connector-sub', ...CONSUMER_DEFAULTS });
  });

  it('sources: a site quota without windowSeconds gets the schema window', async () => {
    const section = { kind: 'http', quota: { events: 5 } };
    const window = (filled(SOURCE_CONFIG_SCHEMA, section).quota as { windowSeconds: number }).windowSeconds;
    const config = loadConfigText(
      JSON.stringify({
        sites: [{ id: 's1', name: 'S', country: 'US', connector: { kind: 'sdk' } }],
        subscribers: [{ id: 'a', sink: { kind: 'kafka' } }],
        routes: [],
      }),
    );
    // The loader fills windowSeconds itself; the source code's own fallback is what is checked here.
    const site = { ...config.sites[0]!, id: 'us-chi', connector: section };
    const [ingest] = createSourceComponents({
      config: { ...config, sites: [site] },
      endpoints: resolveEndpoints({}),
      logger: silentLogger(),
      env: {},
    });
    await ingest!.start();
    const settings = jest.mocked(createHttpIngest).mock.calls[0]![0];
    expect(settings.sites[0]!.quota).toEqual({ events: 5, windowMs: window * 1000 });
  });

  it('router: the settings it reads (hub.router of the loaded configuration) are the schema defaults', () => {
    const hub = loadConfigText(
      JSON.stringify({
        sites: [{ id: 's1', name: 'S', country: 'US', connector: { kind: 'sdk' } }],
        subscribers: [{ id: 'a', sink: { kind: 'kafka' } }],
        routes: [],
      }),
    ).hub;
    expect(hub.router).toEqual({
      ...defaultsOf(HUB_SECTION_SCHEMA.properties.router),
      retry: defaultsOf(HUB_SECTION_SCHEMA.properties.router.properties.retry),
    });
  });
});

describe('defaultsOf / branchOf', () => {
  const FIXTURE = {
    type: 'object',
    properties: { kind: { enum: ['a', 'b'] }, n: { type: 'integer' } },
    allOf: [
      { if: { properties: { kind: { const: 'a' } } }, then: { properties: { n: { default: 1 } } } },
      {
        if: { properties: { kind: { const: 'b' } } },
        then: { properties: { n: { default: 2 }, list: { default: ['x'] }, plain: { type: 'string' } } },
      },
    ],
  } as const;

  it('reads the defaults of one level, leaves out properties without one, and returns frozen copies', () => {
    expect(defaultsOf(branchOf(FIXTURE, 'kind', 'a'))).toEqual({ n: 1 });
    const b = defaultsOf(branchOf(FIXTURE, 'kind', 'b'));
    expect(b).toEqual({ n: 2, list: ['x'] });
    expect(Object.isFrozen(b) && Object.isFrozen(b.list)).toBe(true);
    expect(b.list).not.toBe(FIXTURE.allOf[1].then.properties.list.default);
    expect(defaultsOf(FIXTURE)).toEqual({});
  });

  it('refuses a discriminator value the schema has no branch for', () => {
    expect(() => branchOf(FIXTURE, 'kind', 'c' as 'a')).toThrow(/no allOf branch for kind = "c"/);
  });
});
