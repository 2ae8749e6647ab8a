import { CrossdockError } from '../../../core/errors';
import { AUTO_CLIENT, autoClient, chooseKafkaClient } from '../../../core/kafka-client/choose';
import type { NativeLoad } from '../../../core/kafka-client/native-load';
import type { NativeKafkaModule } from '../../../core/kafka-client/native-types';
import { createLogger } from '../../../core/logger';

const notBuilt = (off = false): NativeLoad => ({
  ok: false,
  error: new CrossdockError('CD_E_KAFKA_NATIVE_UNAVAILABLE', 'not built', {
    details: off ? { off: true } : { dir: '/x' },
  }),
});
const loaded: NativeLoad = {
  ok: true,
  module: { librdkafkaVersion: '2.15.1' } as unknown as NativeKafkaModule,
  dir: '/x',
  librdkafkaVersion: '2.15.1',
};
const bothNative = { ingest: 'librdkafka', sdk: 'librdkafka' } as const;
const bothKafkajs = { ingest: 'kafkajs', sdk: 'kafkajs' } as const;

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (s: string) => lines.push(JSON.parse(s)) },
  });
  return { lines, logger };
}

describe('choosing a component’s Kafka client', () => {
  it('kafkajs is kafkajs, and the native client is not even looked for', () => {
    const load = jest.fn(() => loaded);
    expect(chooseKafkaClient('sdk', 'kafkajs', { load, auto: bothNative }).kind).toBe('kafkajs');
    expect(chooseKafkaClient('sdk', 'auto', { load, auto: bothKafkajs }).kind).toBe('kafkajs');
    expect(load).not.toHaveBeenCalled();
  });

  it('librdkafka that loads is librdkafka, with the loaded module, and says so', () => {
    const { lines, logger } = capture();
    const choice = chooseKafkaClient('ingest', 'auto', { load: () => loaded, auto: bothNative, logger });
    expect(choice.kind).toBe('librdkafka');
    expect(choice.native?.librdkafkaVersion).toBe('2.15.1');
    expect(lines).toEqual([
      expect.objectContaining({
        event: 'kafka.client_chosen',
        component: 'ingest',
        client: 'librdkafka',
        librdkafkaVersion: '2.15.1',
      }),
    ]);
  });

  it('librdkafka set explicitly and not loadable is the coded error: no start', () => {
    expect(() => chooseKafkaClient('ingest', 'librdkafka', { load: () => notBuilt() })).toThrow(
      expect.objectContaining({ code: 'CD_E_KAFKA_NATIVE_UNAVAILABLE' }),
    );
  });

  it('auto that means librdkafka falls back to kafkajs with a warning naming the code', () => {
    const { lines, logger } = capture();
    const choice = chooseKafkaClient('sdk', 'auto', { load: () => notBuilt(), auto: bothNative, logger });
    expect(choice.kind).toBe('kafkajs');
    expect(choice.fallback?.code).toBe('CD_E_KAFKA_NATIVE_UNAVAILABLE');
    expect(lines.map((l) => [l.event, l.level])).toEqual([
      ['kafka.native_unavailable', 40],
      ['kafka.client_chosen', 30],
    ]);
    expect(lines[0]).toMatchObject({ component: 'sdk', code: 'CD_E_KAFKA_NATIVE_UNAVAILABLE' });
  });

  it('falls back without a warning when the native client was turned off on purpose', () => {
    const { lines, logger } = capture();
    expect(
      chooseKafkaClient('sdk', 'auto', { load: () => notBuilt(true), auto: bothNative, logger }).kind,
    ).toBe('kafkajs');
    expect(lines.map((l) => l.event)).toEqual(['kafka.client_chosen']);
  });

  it('CROSSDOCK_KAFKA_AUTO_<COMPONENT> says what auto means for that component only; an explicit setting wins', () => {
    const env = { CROSSDOCK_KAFKA_AUTO_ROUTER: 'librdkafka' };
    expect(autoClient('router', undefined, env)).toBe('librdkafka');
    expect(autoClient('router', undefined, {})).toBe(AUTO_CLIENT.router);
    expect(autoClient('ingest', undefined, env)).toBe(AUTO_CLIENT.ingest);
    expect(autoClient('connectors', undefined, {})).toBe('kafkajs');
    expect(autoClient('connectors', undefined, { CROSSDOCK_KAFKA_AUTO_CONNECTORS: 'librdkafka' })).toBe(
      'librdkafka',
    );
    // A value that is not a client is ignored, not half-read.
    expect(autoClient('router', undefined, { CROSSDOCK_KAFKA_AUTO_ROUTER: 'rdkafka' })).toBe(
      AUTO_CLIENT.router,
    );
    expect(autoClient('router', { router: 'librdkafka' }, { CROSSDOCK_KAFKA_AUTO_ROUTER: 'kafkajs' })).toBe(
      'kafkajs',
    );
    const load = jest.fn(() => loaded);
    expect(chooseKafkaClient('router', 'auto', { load, env }).kind).toBe('librdkafka');
    expect(chooseKafkaClient('router', 'kafkajs', { load, env }).kind).toBe('kafkajs');
    expect(load).toHaveBeenCalledTimes(1);
  });
});
