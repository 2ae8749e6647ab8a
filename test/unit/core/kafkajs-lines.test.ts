import { Kafka, logLevel, Partitioners, type LogEntry } from 'kafkajs';
import { createKafka } from '../../../core/kafka';
import { expectedKafkajsLine, kafkajsFields, EXPECTED_KAFKAJS_LINES } from '../../../core/kafkajs-lines';
import { createLogger } from '../../../core/logger';
import { routerKafkaLogCreator, routerLog } from '../../../router/log-events';

// kafkajs's own error messages, from the library (so a new kafkajs wording fails here).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): Error;
};

/** The lines a kafkajs client writes while `use` runs (nothing connects: brokers are never asked). */
function kafkajsLinesOf(use: (kafka: Kafka) => void): LogEntry[] {
  const lines: LogEntry[] = [];
  use(
    new Kafka({
      clientId: 't',
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.INFO,
      logCreator: () => (e) => lines.push(e),
    }),
  );
  return lines;
}

/** A line as kafkajs's connection logs a broker's error answer before the request is retried. */
function responseLine(code: number): LogEntry {
  return {
    namespace: 'Connection',
    level: logLevel.ERROR,
    label: 'ERROR',
    log: {
      timestamp: 't',
      logger: 'kafkajs',
      message: 'Response GroupCoordinator(key: 10, version: 2)',
      broker: '127.0.0.1:19092',
      clientId: 'crossdock',
      error: createErrorFromCode(code).message,
      correlationId: 1,
      size: 30,
    },
  };
}

/** Hub lines (parsed JSON) written at `level` by a core kafkajs client and by the router's. */
function hubLines(level: string, entries: LogEntry[]): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level,
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  const core = createKafka({ clientId: 'c', brokers: ['127.0.0.1:1'], logger });
  // createKafka's logCreator, reached through the client's logger as kafkajs calls it.
  const coreLog = core.logger();
  const router = routerKafkaLogCreator(routerLog(logger))(logLevel.INFO);
  for (const e of entries) {
    const ns = coreLog.namespace(e.namespace);
    const { message, ...extra } = e.log;
    if (e.level === logLevel.ERROR) ns.error(message, extra);
    else if (e.level === logLevel.WARN) ns.warn(message, extra);
    else ns.info(message, extra);
    router(e);
  }
  return lines;
}

describe('kafkajs lines expected by design (core/kafkajs-lines.ts)', () => {
  it('recognises kafkajs’s own partitioner and bounded-retries warnings, as kafkajs writes them', () => {
    const lines = kafkajsLinesOf((kafka) => {
      kafka.producer(); // no createPartitioner: kafkajs warns once per process
      kafka.producer({
        idempotent: true,
        retry: { retries: 3 },
        createPartitioner: Partitioners.DefaultPartitioner,
      });
    });
    const warns = lines.filter((l) => l.level === logLevel.WARN);
    expect(warns.map((l) => expectedKafkajsLine(l.log.message, l.log))).toEqual([
      'partitioner',
      'idempotent_retries',
    ]);
  });

  it('recognises a broker’s "coordinator not ready" answers (codes 14, 15, 16) and CONCURRENT_TRANSACTIONS', () => {
    const expected = [14, 15, 16].map((code) =>
      expectedKafkajsLine(responseLine(code).log.message, responseLine(code).log),
    );
    expect(expected).toEqual(['coordinator_not_ready', 'coordinator_not_ready', 'coordinator_not_ready']);
    const concurrent = { ...responseLine(51).log, message: 'Response AddOffsetsToTxn(key: 25, version: 1)' };
    expect(expectedKafkajsLine(concurrent.message, concurrent)).toBe('concurrent_transactions');
  });

  it('leaves every other line alone: other errors, and the coordinator error outside a broker answer', () => {
    expect(
      expectedKafkajsLine('Response Produce(key: 0, version: 7)', { error: createErrorFromCode(6).message }),
    ).toBeUndefined();
    expect(expectedKafkajsLine('Connection error: connect ECONNREFUSED 127.0.0.1:1', {})).toBeUndefined();
    expect(
      expectedKafkajsLine('Crash: KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator', {}),
    ).toBeUndefined();
    expect(
      expectedKafkajsLine('The group is rebalancing, re-joining', { error: 'The group is rebalancing' }),
    ).toBeUndefined();
    expect(Object.keys(EXPECTED_KAFKAJS_LINES).sort()).toEqual(
      ['concurrent_transactions', 'coordinator_not_ready', 'idempotent_retries', 'partitioner'].sort(),
    );
  });

  it('keeps kafkajs’s fields and namespace, not its timestamp and logger name', () => {
    expect(kafkajsFields('Connection', responseLine(15).log)).toEqual({
      namespace: 'Connection',
      broker: '127.0.0.1:19092',
      clientId: 'crossdock',
      error: 'The group coordinator is not available',
      correlationId: 1,
      size: 30,
    });
  });
});

describe('kafkajs lines in the hub’s log: expected ones at debug, the others as declared events', () => {
  const entries: LogEntry[] = [
    responseLine(15),
    {
      namespace: 'Producer',
      level: logLevel.WARN,
      label: 'WARN',
      log: {
        timestamp: 't',
        logger: 'kafkajs',
        message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      },
    },
    {
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: 't',
        logger: 'kafkajs',
        message: 'Connection error: connect ECONNREFUSED',
        broker: 'b:1',
      },
    },
    {
      namespace: 'Runner',
      level: logLevel.WARN,
      label: 'WARN',
      log: { timestamp: 't', logger: 'kafkajs', message: 'The group is rebalancing, re-joining' },
    },
  ];

  it('at the default level (info), only the unexpected lines are written, each as a hub event', () => {
    const lines = hubLines('info', entries);
    expect(lines.map((l) => [l.event, l.level, l.msg])).toEqual([
      ['kafka.client_error', 50, 'Connection error: connect ECONNREFUSED'],
      ['router.kafkajs_error', 50, 'Connection error: connect ECONNREFUSED'],
      ['kafka.client_warning', 40, 'The group is rebalancing, re-joining'],
      ['router.kafkajs_warn', 40, 'The group is rebalancing, re-joining'],
    ]);
    expect(lines[0]!.kafkajs).toEqual({ namespace: 'Connection', broker: 'b:1' });
  });

  it('at debug, the expected lines are there too, saying which case they are', () => {
    const lines = hubLines('debug', entries.slice(0, 2));
    expect(lines.map((l) => [l.event, l.level, l.expected])).toEqual([
      ['kafka.client_expected', 20, 'coordinator_not_ready'],
      ['router.kafkajs_debug', 20, 'coordinator_not_ready'],
      ['kafka.client_expected', 20, 'idempotent_retries'],
      ['router.kafkajs_debug', 20, 'idempotent_retries'],
    ]);
  });
});
