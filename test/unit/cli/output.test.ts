import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import { EXIT, output, reportError } from '../../../cli/output';
import { CrossdockError } from '../../../core/errors';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('CLI output', () => {
  it('prints JSON with --json and the human text without', () => {
    const a = capture();
    output(true, a.stream).result({ ok: 1 }, () => 'human');
    expect(JSON.parse(a.text())).toEqual({ ok: 1 });
    const b = capture();
    output(false, b.stream).result({ ok: 1 }, () => 'human');
    expect(b.text()).toBe('human\n');
  });

  it('prints a CrossdockError as code and message, exit 3, no stack trace', () => {
    const err = capture();
    const out = capture();
    const code = reportError(
      new CrossdockError('CD_E_STACK_NO_MAVEN', 'Maven (mvn) was not found'),
      false,
      err.stream,
      out.stream,
    );
    expect(code).toBe(EXIT.FAILED);
    expect(err.text()).toBe('error CD_E_STACK_NO_MAVEN: Maven (mvn) was not found\n');
    expect(out.text()).toBe('');
  });

  it('prints a CrossdockError as one JSON object with --json', () => {
    const err = capture();
    const out = capture();
    reportError(
      new CrossdockError('CD_E_STACK_PORT_IN_USE', 'Port 1 busy', { details: { port: 1 } }),
      true,
      err.stream,
      out.stream,
    );
    expect(JSON.parse(out.text())).toEqual({
      error: {
        code: 'CD_E_STACK_PORT_IN_USE',
        message: 'Port 1 busy',
        retriable: false,
        details: { port: 1 },
      },
    });
  });

  it("reports Kafka out of reach as CD_E_KAFKA_UNREACHABLE (exit 3) with the client's words, not as internal", () => {
    const err = capture();
    const unreachable = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:39092');
    unreachable.name = 'KafkaJSConnectionError';
    expect(reportError(unreachable, false, err.stream, capture().stream)).toBe(EXIT.FAILED);
    expect(err.text()).toBe(
      'error CD_E_KAFKA_UNREACHABLE: Kafka could not be reached: Connection error: connect ECONNREFUSED 127.0.0.1:39092\n',
    );
    const retries = new Error('retries exhausted');
    retries.name = 'KafkaJSNumberOfRetriesExceeded';
    expect(reportError(retries, false, capture().stream, capture().stream)).toBe(EXIT.FAILED);
  });

  it('keeps the code of a coded error whose message names a refused connection', () => {
    const err = capture();
    const e = new CrossdockError('CD_E_INGEST_UNREACHABLE', 'nothing answered at http://h:1 (ECONNREFUSED)');
    expect(reportError(e, false, err.stream, capture().stream)).toBe(EXIT.FAILED);
    expect(err.text()).toBe('error CD_E_INGEST_UNREACHABLE: nothing answered at http://h:1 (ECONNREFUSED)\n');
  });

  it('reports an unexpected error as internal (exit 70) and hides the stack unless CROSSDOCK_DEBUG', () => {
    const err = capture();
    const code = reportError(new TypeError('x is undefined'), false, err.stream, capture().stream);
    expect(code).toBe(EXIT.INTERNAL);
    expect(err.text()).toContain('error CD_E_INTERNAL: x is undefined');
    expect(err.text()).not.toMatch(/\n\s+at /);
  });

  it('maps commander usage errors to exit 2 and --help to exit 0', () => {
    expect(reportError(new CommanderError(1, 'commander.unknownOption', 'bad'), false)).toBe(EXIT.USAGE);
    expect(reportError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), false)).toBe(
      EXIT.OK,
    );
  });
});
