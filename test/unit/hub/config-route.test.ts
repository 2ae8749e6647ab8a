import { configRoute, type ApplyOutcome } from '../../../hub/control';

const applied: ApplyOutcome = {
  applied: true,
  change: { diff: { none: true } as never, started: [], stopped: [], reconfigured: [] },
};

describe('POST /config: who may change the configuration', () => {
  const route = configRoute(
    'control-token',
    async () => applied,
    (authorization) => authorization === 'Bearer an-admin-token',
  );
  const call = (authorization?: string) =>
    route({
      headers: authorization ? { authorization } : {},
      body: Buffer.from(JSON.stringify({ yaml: 'x' })),
    });

  it('takes the control token, or an admin token of the admin API', async () => {
    expect((await call('Bearer control-token')).status).toBe(200);
    expect((await call('Bearer an-admin-token')).status).toBe(200);
  });

  it('refuses anything else with 401 CD_E_HUB_UNAUTHORIZED', async () => {
    for (const a of [undefined, 'Bearer control-toke', 'Bearer an-operator-token', 'control-token']) {
      const res = await call(a);
      expect([a, res.status, (res.body as { code: string }).code]).toEqual([a, 401, 'CD_E_HUB_UNAUTHORIZED']);
    }
  });
});
