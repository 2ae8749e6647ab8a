import net from 'node:net';
import { Registry } from 'prom-client';
import { signedHeaders } from '../../../connectors/sources';
import { buildIngestApp } from '../../../connectors/sources/http/server';
import type { IngestState } from '../../../connectors/sources/http/state';
import { loadSiteMappings } from '../../../connectors/sources/mapping/load';

/**
 * A stopping ingest answers a request that arrives on an open connection with 503
 * CD_E_INGEST_CLOSING and the documented body (Fastify's own 503 had another shape). The first
 * request is held in flight (its replay check waits) so that the ingest is closing, not closed,
 * when the second arrives on the same connection.
 */
describe('HTTP ingest while it stops', () => {
  it('answers 503 CD_E_INGEST_CLOSING with Retry-After and the coded body', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inFlight!: () => void;
    const started = new Promise<void>((r) => (inFlight = r));
    const state = {
      markSignature: async () => {
        inFlight();
        await held;
        return false; // then the first request is answered 401 (replayed): nothing to publish
      },
    } as unknown as IngestState;
    const key = { id: 'chi-1', siteId: 'us-chi', secret: 's' };
    const metrics = new Registry();
    const answered = async (status: number) =>
      (await metrics.getSingleMetric('crossdock_ingest_requests_total')!.get()).values.some(
        (v) => v.labels.status === status && v.value > 0,
      );
    const app = await buildIngestApp(
      {
        sites: [{ siteId: 'us-chi', mappings: loadSiteMappings('us-chi') }],
        keys: [key],
        retryAfterSeconds: 7,
      },
      { publisher: {} as never, codec: {} as never, state, metrics },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as net.AddressInfo).port;
    const request = (body: string) =>
      Object.entries({ 'content-type': 'application/json', ...signedHeaders(key, body) })
        .reduce(
          (head, [k, v]) => `${head}${k}: ${v}\r\n`,
          `POST /v1/sites/us-chi/events HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`,
        )
        .concat(`\r\n${body}`);

    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    const closedSocket = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(request('{"n":1}'));
    await started;
    const closed = app.close();
    await new Promise((r) => setImmediate(r));
    socket.write(request('{"n":2}'));
    // The second request was answered (HTTP/1.1 sends it after the first one's answer).
    while (!(await answered(503))) await new Promise((r) => setImmediate(r));
    release();
    await closed;
    await closedSocket;

    const answers = text.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 401 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(answers[1]).toMatch(/\r\nretry-after: 7\r\n/i);
    expect(JSON.parse(answers[1]!.slice(answers[1]!.indexOf('\r\n\r\n') + 4))).toEqual({
      code: 'CD_E_INGEST_CLOSING',
      message: 'The ingest is stopping; nothing was accepted. Send the request again later.',
      retriable: true,
    });
  });
});
