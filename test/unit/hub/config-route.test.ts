import { configRoute, type ApplyOutcome } from '../../../hub/control';

const applied: ApplyOutcome = {
  applied: true,
  change: { diff: { none: true } as never, started: [], stopped: [], reconfigured: [] },
};

describe('POST /config: who may change the configuration', () => {
  const who: string[] = [];
  const refusals: string[] = [];
  const route = configRoute(
    'control-token',
    async (_text, _file, by) => {
      who.push(by);
      return applied;
    },
    (authorization) => (authorization === 'Bearer an-admin-token' ? 'ann' : undefined),
    (code) => refusals.push(code),
  );
  const call = (authorization?: string) =>
    route({
      headers: authorization ? { authorization } : {},
      body: Buffer.from(JSON.stringify({ yaml: 'x' })),
    });

  it('takes the control token, or an admin token of the admin API', async () => {
    expect((await call('Bearer control-token')).status).toBe(200);
    expect((await call('Bearer an-admin-token')).status).toBe(200);
    // The audit trail names who applied it: the control token, or the admin token's name.
    expect(who).toEqual(['control-token', 'ann']);
  });

  it('refuses anything else with 401 CD_E_HUB_UNAUTHORIZED', async () => {
    for (const a of [undefined, 'Bearer control-toke', 'Bearer an-operator-token', 'control-token']) {
      const res = await call(a);
      expect([a, res.status, (res.body as { code: string }).code]).toEqual([a, 401, 'CD_E_HUB_UNAUTHORIZED']);
    }
    expect(refusals).toEqual(Array(4).fill('CD_E_HUB_UNAUTHORIZED'));
  });
});
