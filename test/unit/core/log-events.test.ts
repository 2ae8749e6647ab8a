import pino from 'pino';
import { defineLogEvents, eventLogger } from '../../../core/log-events';

/** A pino logger at `level` whose lines are parsed into `lines`. */
function capture(level = 'info'): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level, base: null, timestamp: false },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

const EVENTS = defineLogEvents({
  'test.started': { level: 'info', fields: ['port'], description: 'The test component started.' },
  'test.retried': { level: 'warn', fields: ['attempt'], description: 'The test retried.' },
  'test.detail': { level: 'debug', fields: [], description: 'A test detail.' },
});

describe('defineLogEvents', () => {
  it.each([
    'started',
    'Test.started',
    'test.Started',
    'test.started-now',
    'test.',
    '.started',
    'test..x',
    '1x.y',
  ])('refuses the name %p (not <part>.<snake_case>)', (name) => {
    expect(() => defineLogEvents({ [name]: { level: 'info', fields: [], description: 'd' } })).toThrow(
      `log event name "${name}" is not <part>.<snake_case>`,
    );
  });

  it('accepts dotted snake_case names and returns the list frozen', () => {
    const list = defineLogEvents({
      'router.claim_waited': { level: 'info', fields: [], description: 'd' },
      'connectors.sinks.breaker_open': { level: 'warn', fields: [], description: 'd' },
    });
    expect(Object.keys(list)).toEqual(['router.claim_waited', 'connectors.sinks.breaker_open']);
    expect(Object.isFrozen(list)).toBe(true);
  });
});

describe('eventLogger', () => {
  it('writes the line at the declared level with the event name and the fields', () => {
    const { logger, lines } = capture();
    const log = eventLogger(logger, EVENTS);
    log.emit('test.started', { port: 8080 }, 'listening on 8080');
    log.emit('test.retried', { attempt: 2 });
    expect(lines).toEqual([
      { level: 30, event: 'test.started', port: 8080, msg: 'listening on 8080' },
      { level: 40, event: 'test.retried', attempt: 2, msg: 'The test retried.' },
    ]);
  });

  it('puts `event` first and does not let a field replace it', () => {
    const { logger, lines } = capture();
    eventLogger(logger, EVENTS).emit('test.started', { port: 1, event: 'other.name' });
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]!)[1]).toBe('event');
    expect(lines[0]!.event).toBe('test.started');
  });

  it('defaults the message to the declared description, never to the bare name', () => {
    const { logger, lines } = capture();
    eventLogger(logger, EVENTS).emit('test.started');
    expect(lines).toEqual([{ level: 30, event: 'test.started', msg: 'The test component started.' }]);
  });

  it('writes nothing below the logger level and says so through enabled()', () => {
    const { logger, lines } = capture('info');
    const log = eventLogger(logger, EVENTS);
    log.emit('test.detail', {}, 'hidden');
    expect(lines).toEqual([]);
    expect(log.enabled('test.detail')).toBe(false);
    expect(log.enabled('test.started')).toBe(true);
    const debug = capture('debug');
    eventLogger(debug.logger, EVENTS).emit('test.detail');
    expect(debug.lines).toEqual([{ level: 20, event: 'test.detail', msg: 'A test detail.' }]);
  });

  it('throws on an undeclared name instead of writing an unlisted line', () => {
    const { logger, lines } = capture();
    const log = eventLogger(logger, EVENTS);
    expect(() => log.emit('test.unknown' as 'test.started')).toThrow(
      'log event "test.unknown" is not declared',
    );
    expect(log.enabled('test.unknown' as 'test.started')).toBe(false);
    expect(lines).toEqual([]);
  });
});
