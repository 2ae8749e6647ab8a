import { kafkaConnectionFailure } from '../../../core/connection-errors';
import { connectionFailureOf, withBrokerType } from '../../../core/kafka-client/native-producer';

describe("librdkafka's connection failures that no retry mends", () => {
  it('a refused SCRAM login is CD_E_KAFKA_AUTH_FAILED with librdkafka’s own line', () => {
    const line =
      '[thrd:sasl_plaintext://127.0.0.1:19094/bootstrap]: sasl_plaintext://127.0.0.1:19094/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 321ms in state AUTH_REQ)';
    const err = kafkaConnectionFailure(connectionFailureOf(line), '127.0.0.1:19094');
    expect(err?.code).toBe('CD_E_KAFKA_AUTH_FAILED');
    expect(err?.message).toContain('invalid credentials');
  });

  it('a certificate its CA did not sign is CD_E_KAFKA_TLS_FAILED', () => {
    const line =
      '[thrd:sasl_ssl://127.0.0.1:39094/bootstrap]: sasl_ssl://127.0.0.1:39094/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly configured or root CA certificates are installed (install ca-certificates package) (after 12ms in state SSL_HANDSHAKE)';
    expect(kafkaConnectionFailure(connectionFailureOf(line))?.code).toBe('CD_E_KAFKA_TLS_FAILED');
  });

  it('a broker that is down is no such failure: librdkafka keeps trying', () => {
    expect(
      connectionFailureOf(
        '[thrd:127.0.0.1:1/bootstrap]: 127.0.0.1:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)',
      ),
    ).toBeUndefined();
  });

  it("a broker's refusal carries the broker's name for it, as a kafkajs error does; librdkafka's own codes stay", () => {
    expect(
      withBrokerType(Object.assign(new Error('x'), { code: 29, type: 'ERR_TOPIC_AUTHORIZATION_FAILED' })),
    ).toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    expect(withBrokerType(Object.assign(new Error('x'), { code: '29' }))).toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    expect(
      withBrokerType(Object.assign(new Error('x'), { code: -195, type: 'ERR__TRANSPORT' })),
    ).toMatchObject({
      type: 'ERR__TRANSPORT',
    });
  });
});
