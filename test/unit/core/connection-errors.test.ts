import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import {
  clientConnectionError,
  kafkaConnectionFailure,
  redisConnectionFailure,
  registryConnectionFailure,
} from '../../../core/connection-errors';
import { CrossdockError } from '../../../core/errors';
import { reportError } from '../../../cli/output';

/** Node's error for a certificate it cannot verify, as a socket raises it. */
function tlsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** kafkajs's wrapping of a socket error, retried and given up (what admin.connect() rejects with). */
function kafkaGaveUp(socketError: Error): Error {
  const conn = new KafkaJSConnectionError(`Connection error: ${socketError.message}`, {
    broker: 'b1.example:9093',
    code: (socketError as { code?: string }).code,
  } as never);
  return new KafkaJSNumberOfRetriesExceeded(conn, { retryCount: 5, retryTime: 1000 });
}

describe('Kafka connection failures', () => {
  it('a refused SASL login is CD_E_KAFKA_AUTH_FAILED naming the broker and the variables', () => {
    const err = kafkaConnectionFailure(
      new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)(
        'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      ),
      'b1.example:9093',
    );
    expect(err?.code).toBe('CD_E_KAFKA_AUTH_FAILED');
    expect(err?.message).toContain('Kafka at b1.example:9093');
    expect(err?.message).toContain('CROSSDOCK_KAFKA_USERNAME');
    expect(err?.message).toContain('CROSSDOCK_KAFKA_PASSWORD');
  });

  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match certificate's altnames: Host: b1. is not in the cert's altnames",
    ],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'],
    ['CERT_HAS_EXPIRED', 'certificate has expired'],
  ])('%s after kafkajs retried is CD_E_KAFKA_TLS_FAILED', (code, message) => {
    const err = kafkaConnectionFailure(kafkaGaveUp(tlsError(code, message)), 'b1.example:9093');
    expect(err?.code).toBe('CD_E_KAFKA_TLS_FAILED');
    expect(err?.details).toMatchObject({ brokers: 'b1.example:9093', tlsCode: code });
    expect(err?.message).toContain('CROSSDOCK_KAFKA_CA_FILE');
  });

  it('a refused connection is none of these (it stays CD_E_KAFKA_UNREACHABLE)', () => {
    const refused = kafkaGaveUp(tlsError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'));
    expect(kafkaConnectionFailure(refused)).toBeUndefined();
    expect(clientConnectionError(refused, {})?.code).toBe('CD_E_KAFKA_UNREACHABLE');
  });

  it('the CLI exits 3 with the code, naming the broker from the error', () => {
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
    const exit = reportError(
      kafkaGaveUp(tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain')),
      false,
      sink,
      sink,
    );
    expect(exit).toBe(3);
    expect(out.join('')).toMatch(/^error CD_E_KAFKA_TLS_FAILED: TLS with Kafka at b1\.example:9093 failed/);
    out.length = 0;
    expect(
      reportError(
        new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)(
          'SASL PLAIN authentication failed',
        ),
        true,
        sink,
        sink,
      ),
    ).toBe(3);
    expect(JSON.parse(out.join('')).error.code).toBe('CD_E_KAFKA_AUTH_FAILED');
  });
});

describe('Redis connection failures', () => {
  it.each([
    'WRONGPASS invalid username-password pair or user is disabled.',
    'Ready check failed: NOAUTH Authentication required.',
    'NOAUTH Authentication required.',
  ])('%s is CD_E_REDIS_AUTH_FAILED', (message) => {
    const err = redisConnectionFailure(new Error(message), 'rediss://r.example:6380');
    expect(err?.code).toBe('CD_E_REDIS_AUTH_FAILED');
    expect(err?.message).toContain('Redis at rediss://r.example:6380');
    expect(err?.message).toContain('CROSSDOCK_REDIS_PASSWORD');
  });

  it('a certificate the hub does not trust is CD_E_REDIS_TLS_FAILED', () => {
    const err = redisConnectionFailure(
      tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      'rediss://r:1',
    );
    expect(err?.code).toBe('CD_E_REDIS_TLS_FAILED');
    expect(err?.message).toContain('CROSSDOCK_REDIS_CA_FILE');
  });

  it('a refused connection is neither', () => {
    expect(
      redisConnectionFailure(tlsError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379')),
    ).toBeUndefined();
  });

  it('the CLI names REDIS_URL without its password', () => {
    const err = clientConnectionError(new Error('WRONGPASS invalid username-password pair'), {
      REDIS_URL: 'redis://hub:hunter2@r.example:6379',
    });
    expect(err?.code).toBe('CD_E_REDIS_AUTH_FAILED');
    expect(err?.message).toContain('Redis at redis://r.example:6379');
    expect(err?.message).not.toContain('hunter2');
  });
});

describe('registry failures at start-up', () => {
  it.each([401, 403])('%s is CD_E_REGISTRY_AUTH_FAILED', (status) => {
    const err = registryConnectionFailure('https://reg.example', { status });
    expect(err?.code).toBe('CD_E_REGISTRY_AUTH_FAILED');
    expect(err?.details).toEqual({ url: 'https://reg.example', status });
    expect(err?.message).toContain('CROSSDOCK_REGISTRY_USERNAME');
  });

  it('another status is not about credentials', () => {
    expect(registryConnectionFailure('https://reg.example', { status: 404 })).toBeUndefined();
  });

  it('a TLS failure under fetch and under the registry error is CD_E_REGISTRY_TLS_FAILED', () => {
    const fetchFailed = new TypeError('fetch failed', {
      cause: tlsError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
    });
    const unavailable = new CrossdockError('CD_E_REGISTRY_UNAVAILABLE', 'did not answer', {
      retriable: true,
      cause: fetchFailed,
    });
    const err = registryConnectionFailure('https://reg.example', { error: unavailable });
    expect(err?.code).toBe('CD_E_REGISTRY_TLS_FAILED');
    expect(err?.details).toMatchObject({ tlsCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(err?.message).toContain('CROSSDOCK_REGISTRY_CA_FILE');
  });

  it('no answer at all is not a TLS failure', () => {
    const refused = new TypeError('fetch failed', {
      cause: tlsError('ECONNREFUSED', 'connect ECONNREFUSED'),
    });
    expect(registryConnectionFailure('https://reg.example', { error: refused })).toBeUndefined();
  });
});
