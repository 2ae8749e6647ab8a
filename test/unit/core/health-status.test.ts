import { createHealthServer } from '../../../core/health';

describe('health server /readyz and /status', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  async function serve() {
    const health = createHealthServer(undefined, { defaultMetrics: false });
    servers.push(health);
    const port = await health.listen(0);
    return { health, base: `http://127.0.0.1:${port}` };
  }

  it('/status merges the providers of one entry, shows a throwing one as an error, and says what /readyz says', async () => {
    const { health, base } = await serve();
    health.addReadiness('kafka', () => true);
    health.addStatus('components', 'http-ingest', () => ({ started: true }));
    health.addStatus('components', 'http-ingest', async () => ({ ready: true, queue: { events: 0 } }));
    health.addStatus('subscribers', 'tms', () => ({ breaker: 'open' }));
    health.addStatus('dependencies', 'redis', () => {
      throw new Error('boom');
    });
    const res = await fetch(`${base}/status`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ready: true,
      checks: { kafka: true },
      dependencies: { redis: { error: 'Error: boom' } },
      components: { 'http-ingest': { started: true, ready: true, queue: { events: 0 } } },
      subscribers: { tms: { breaker: 'open' } },
    });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('a readiness check that throws or hangs counts as not ready (503) instead of hanging /readyz', async () => {
    const { health, base } = await serve();
    health.addReadiness('ok', () => true);
    health.addReadiness('throws', () => {
      throw new Error('x');
    });
    health.addReadiness('hangs', () => new Promise<boolean>(() => undefined));
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks: { ok: true, throws: false, hangs: false } });
  });
});
