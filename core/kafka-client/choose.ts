import { crossdockCacheDir } from '../home';
import { createKafka } from '../kafka';
import { eventLogger } from '../log-events';
import { CORE_LOG_EVENTS } from '../log-events-core';
import { silentLogger, type Logger } from '../logger';
import { kafkajsAckedProducer } from './kafkajs-producer';
import { loadNativeKafka, type NativeLoad } from './native-load';
import { nativeAckedProducer } from './native-producer';
import type { AckedProducer, AckedProducerOptions, KafkaClientKind } from './producer';
import type { Kafka } from 'kafkajs';
import { kafkajsTransactional } from './kafkajs-transactional';
import { nativeTransactional } from './native-transactional';
import type { TransactionalClient, TransactionalOptions } from './transactional';
import type { CommittingFactory } from './committing';
import { kafkajsCommitting } from './kafkajs-committing';
import { nativeCommitting } from './native-committing';
import type { NativeBatchLimits, NativeClientOptions } from './native-group';

/**
 * Which Kafka client a component runs on. A setting (`hub.kafka.clients.<component>`, or the
 * SDK's `client` option) is `kafkajs`, `librdkafka`, or `auto`: the client the decision record
 * (docs/adr/0003-kafka-client.md) adopted for that component because it measured faster there.
 *
 * Contract: `auto` never fails: when it means librdkafka and the native client cannot be loaded,
 * the component runs on kafkajs and the choice carries the CD_E_KAFKA_NATIVE_UNAVAILABLE error
 * (logged as kafka.native_unavailable). An explicit `librdkafka` that cannot be loaded throws
 * that error: whoever set it asked for that client.
 */

export type KafkaClientSetting = 'auto' | KafkaClientKind;

/**
 * The components that choose a client, and what `auto` means for each: the decision of
 * docs/adr/0003-kafka-client.md (adopt librdkafka where it measured ≥ 1.3× faster in the same run).
 */
export const AUTO_CLIENT = Object.freeze({
  /** S/S_js 1.1–1.2, B/B_js 0.8–0.9 (npm run bench:ingest): kept. */
  ingest: 'kafkajs',
  sdk: 'librdkafka',
  /** HRD/HJS 2.0 at F=1, 1.69 at F=3 (npm run bench:router, arms hjs and hrd): adopted. */
  router: 'librdkafka',
  /** The sink connectors' consumer: D_rd/D 0.63 (npm run bench:delivery, arms D and D_rd): kept. */
  connectors: 'kafkajs',
} satisfies Record<string, KafkaClientKind>);

export type KafkaComponent = keyof typeof AUTO_CLIENT;

export interface ClientChoice {
  component: KafkaComponent;
  setting: KafkaClientSetting;
  kind: KafkaClientKind;
  /** The loaded native client when kind is librdkafka. */
  native?: Extract<NativeLoad, { ok: true }>;
  /** Why `auto` fell back to kafkajs. */
  fallback?: Extract<NativeLoad, { ok: false }>['error'];
}

export interface ChooseOptions {
  /** Where `npm install` built the native client. @defaultValue crossdockCacheDir() */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Gets kafka.client_chosen and kafka.native_unavailable. */
  logger?: Logger;
  /** The loader (tests give one that fails). @defaultValue loadNativeKafka */
  load?: (cacheDir: string, env: NodeJS.ProcessEnv) => NativeLoad;
  /** What `auto` means, where it differs from AUTO_CLIENT (tests). @defaultValue AUTO_CLIENT */
  auto?: Readonly<Partial<Record<KafkaComponent, KafkaClientKind>>>;
}

export function chooseKafkaClient(
  component: KafkaComponent,
  setting: KafkaClientSetting = 'auto',
  options: ChooseOptions = {},
): ClientChoice {
  const env = options.env ?? process.env;
  const log = eventLogger(options.logger ?? silentLogger(), CORE_LOG_EVENTS);
  const want = setting === 'auto' ? autoClient(component, options.auto, env) : setting;
  let choice: ClientChoice = { component, setting, kind: want };
  if (want === 'librdkafka') {
    const loaded = (options.load ?? loadNativeKafka)(options.cacheDir ?? crossdockCacheDir(env), env);
    if (loaded.ok) choice = { ...choice, native: loaded };
    else if (setting === 'librdkafka') throw loaded.error;
    else {
      choice = { component, setting, kind: 'kafkajs', fallback: loaded.error };
      // Turned off on purpose: no warning, the choice is the operator's.
      if (!loaded.error.details?.off)
        log.emit(
          'kafka.native_unavailable',
          { component, code: loaded.error.code, reason: loaded.error.message },
          `${component} runs on kafkajs: ${loaded.error.message}`,
        );
    }
  }
  log.emit(
    'kafka.client_chosen',
    {
      component,
      client: choice.kind,
      setting,
      ...(choice.native ? { librdkafkaVersion: choice.native.librdkafkaVersion } : {}),
    },
    `${component} runs on ${choice.kind}`,
  );
  return choice;
}

/**
 * What `auto` means for a component: `CROSSDOCK_KAFKA_AUTO_<COMPONENT>` (kafkajs or librdkafka)
 * where set, so a whole suite or deployment can run a component on the other client without
 * touching its configuration files; else the decision record's AUTO_CLIENT.
 */
export function autoClient(
  component: KafkaComponent,
  auto: ChooseOptions['auto'],
  env: NodeJS.ProcessEnv,
): KafkaClientKind {
  const fromEnv = env[`CROSSDOCK_KAFKA_AUTO_${component.toUpperCase()}`];
  if (fromEnv === 'kafkajs' || fromEnv === 'librdkafka') return fromEnv;
  return auto?.[component] ?? AUTO_CLIENT[component];
}

/**
 * The transactional consumer-producer of a choice (core/kafka-client/transactional.ts has the
 * contract): on kafkajs over `kafka`, on librdkafka over its own connections to the same cluster.
 */
export function transactionalFor(
  choice: ClientChoice,
  kafka: Kafka,
  options: TransactionalOptions & NativeClientOptions & { batch?: NativeBatchLimits },
): TransactionalClient {
  return choice.native
    ? nativeTransactional(choice.native.module, options)
    : kafkajsTransactional(kafka, options);
}

/**
 * The committing consumers of a choice (core/kafka-client/committing.ts has the contract): on
 * kafkajs over `kafka`, on librdkafka over their own connections to the same cluster.
 */
export function committingFor(
  choice: ClientChoice,
  kafka: Kafka,
  client: NativeClientOptions,
): CommittingFactory {
  const native = choice.native;
  return native
    ? (options) => nativeCommitting(native.module, { ...client, ...options })
    : (options) => kafkajsCommitting(kafka, options);
}

/** The acknowledged producer of a choice (core/kafka-client/producer.ts has the contract). */
export function ackedProducerFor(choice: ClientChoice, options: AckedProducerOptions): AckedProducer {
  return choice.native
    ? nativeAckedProducer(choice.native.module, options)
    : kafkajsAckedProducer(createKafka(options));
}
