import { logLevel } from 'kafkajs';
import { createLogger } from '../../../core/logger';
import { ROUTER_LOG_EVENTS, routerKafkaLogCreator, routerLog } from '../../../router/log-events';

/** A router event logger at `level` whose lines are collected as parsed JSON. */
function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level,
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { lines, log: routerLog(logger) };
}

function kafkajsLine(level: logLevel, message: string, extra: Record<string, unknown> = {}) {
  return {
    namespace: 'Test',
    level,
    label: 'x',
    log: { timestamp: 't', logger: 'kafkajs', message, ...extra },
  };
}

describe('router log events (router/log-events.ts)', () => {
  it('declares every event under router. with a level and a description', () => {
    for (const [name, spec] of Object.entries(ROUTER_LOG_EVENTS)) {
      expect(name).toMatch(/^router\.[a-z_]+$/);
      expect(spec.description.length).toBeGreaterThan(10);
    }
    expect(ROUTER_LOG_EVENTS['router.dead_lettered'].fields).toEqual(
      expect.arrayContaining(['eventId', 'correlationId']),
    );
  });

  it('writes a line with the declared name, level and fields; the message is its description', () => {
    const { lines, log } = capture('debug');
    log.emit('router.paused', { code: 'CD_E_REGISTRY_UNAVAILABLE', dependency: 'registry', error: 'down' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        event: 'router.paused',
        msg: ROUTER_LOG_EVENTS['router.paused'].description,
        code: 'CD_E_REGISTRY_UNAVAILABLE',
        dependency: 'registry',
      }),
    ]);
  });

  it('translates kafkajs lines into declared events; CONCURRENT_TRANSACTIONS errors are debug', () => {
    const { lines, log } = capture('debug');
    const write = routerKafkaLogCreator(log)(logLevel.INFO);
    write(kafkajsLine(logLevel.ERROR, 'Connection error', { broker: 'b:1' }));
    write(kafkajsLine(logLevel.WARN, 'Response without match'));
    write(kafkajsLine(logLevel.INFO, 'Consumer has joined the group'));
    write(
      kafkajsLine(logLevel.ERROR, 'Response AddOffsetsToTxn', {
        error: 'There is a newer producer... concurrent operation on the same transaction',
      }),
    );
    expect(lines.map((l) => [l.event, l.level, l.msg])).toEqual([
      ['router.kafkajs_error', 50, 'Connection error'],
      ['router.kafkajs_warn', 40, 'Response without match'],
      ['router.kafkajs_debug', 20, 'Consumer has joined the group'],
      ['router.kafkajs_debug', 20, 'Response AddOffsetsToTxn'],
    ]);
    expect(lines[0]!.kafkajs).toEqual(expect.objectContaining({ broker: 'b:1' }));
  });

  it('writes nothing for routine kafkajs lines at the default level', () => {
    const { lines, log } = capture('info');
    routerKafkaLogCreator(log)(logLevel.INFO)(kafkajsLine(logLevel.INFO, 'Consumer has joined the group'));
    expect(lines).toEqual([]);
  });
});
