import net from 'node:net';
import { Readable } from 'node:stream';
import { signedHeaders } from '../../../connectors/sources';
import { oneSiteConfig, receiver, startHub, type HubProcess, type Receiver } from '../../helpers/hub';
import { randomName } from '../../helpers/stack';

/**
 * The edges of HTTP ingest on a running hub, seen by Node's fetch (undici) as a site's client
 * would: a body over the limit gets the 413 with its coded body (never a broken pipe), every
 * other error answer has the documented `{ code, message, retriable }` body (unknown routes,
 * wrong methods), and an unknown site is 404 CD_E_UNKNOWN_SITE for a signed request (docs/sites.md).
 */
describe('HTTP ingest edges on a running hub (undici fetch)', () => {
  const prefix = randomName('edg');
  const key = { id: 'chi-2026a', secret: 'edges-secret' };
  let erp: Receiver;
  let hub: HubProcess;
  let base: string;

  beforeAll(async () => {
    erp = await receiver();
    const doc = oneSiteConfig(prefix, erp.url);
    doc.sites.push({
      id: 'us-chi',
      name: 'Chicago DC',
      country: 'US',
      connector: { kind: 'http', keys: [{ id: key.id, secretEnv: 'EDGES_CHI_KEY' }] },
    });
    hub = await startHub(doc, { EDGES_CHI_KEY: key.secret });
    base = `http://127.0.0.1:${hub.ingestPort}`;
  });

  afterAll(async () => {
    await hub?.dispose();
    await erp?.close();
  });

  const coded = (body: unknown) =>
    expect(body).toEqual({ code: expect.any(String), message: expect.any(String), retriable: false });

  it('a body over 1 MiB: 413 CD_E_BODY_TOO_LARGE, with a length and streamed without one', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 0x20);
    const sized = await fetch(`${base}/v1/sites/us-chi/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(key, big) },
      body: big,
    });
    expect(sized.status).toBe(413);
    expect(await sized.json()).toEqual({
      code: 'CD_E_BODY_TOO_LARGE',
      message: 'The body is larger than 1048576 bytes.',
      retriable: false,
    });

    const chunks = Array.from({ length: 96 }, () => Buffer.alloc(64 * 1024, 0x20));
    const streamed = await fetch(`${base}/v1/sites/us-chi/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(key, Buffer.concat(chunks)) },
      body: Readable.from(chunks),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { code: string }).code).toBe('CD_E_BODY_TOO_LARGE');
  });

  it('a client that writes the whole oversized body before reading gets the 413, not a broken pipe', async () => {
    const size = 8 * 1024 * 1024;
    const answer = await new Promise<{ error?: string; text: string }>((resolve) => {
      const socket = net.connect(hub.ingestPort, '127.0.0.1');
      let text = '';
      let error: string | undefined;
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on('close', () => resolve({ ...(error ? { error } : {}), text }));
      socket.write(
        `POST /v1/sites/us-chi/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    expect(answer.error).toBeUndefined();
    expect(answer.text.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    expect(JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4))).toMatchObject({
      code: 'CD_E_BODY_TOO_LARGE',
      retriable: false,
    });
  });

  it('an unknown route: 404 CD_E_NOT_FOUND with the coded body', async () => {
    const res = await fetch(`${base}/v1/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { code: string };
    coded(body);
    expect(body.code).toBe('CD_E_NOT_FOUND');
  });

  it('a wrong method: 405 CD_E_METHOD_NOT_ALLOWED with Allow', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${base}/v1/sites/us-chi/events`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      const body = (await res.json()) as { code: string };
      coded(body);
      expect(body.code).toBe('CD_E_METHOD_NOT_ALLOWED');
    }
    const doc = await fetch(`${base}/openapi.json`, { method: 'POST', body: '{}' });
    expect(doc.status).toBe(405);
    expect(doc.headers.get('allow')).toBe('GET, HEAD');
  });

  it('an unknown site: 404 CD_E_UNKNOWN_SITE when signed with a valid key, 401 when not signed', async () => {
    const body = Buffer.from('{"type":"order.released"}');
    const signed = await fetch(`${base}/v1/sites/us-xyz/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(key, body) },
      body,
    });
    expect(signed.status).toBe(404);
    expect(await signed.json()).toEqual({
      code: 'CD_E_UNKNOWN_SITE',
      message: 'Site us-xyz does not publish over HTTP here.',
      retriable: false,
    });
    const unsigned = await fetch(`${base}/v1/sites/us-xyz/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { code: string }).code).toBe('CD_E_AUTH_MISSING');
  });

  it('a wrong content type: 415 with the coded body', async () => {
    const res = await fetch(`${base}/v1/sites/us-chi/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'a,b\n1,2\n',
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { code: string };
    coded(body);
    expect(body.code).toBe('CD_E_UNSUPPORTED_MEDIA_TYPE');
  });
});
