import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { stackPaths } from '../../../stack';
import { redisAnswers } from '../../../stack/probes';
import { freePort } from '../../../stack/proc';
import { oneSiteConfig, runCli, startHub, type HubProcess } from '../../helpers/hub';
import { eventually, randomName } from '../../helpers/stack';

/**
 * The start-up check of the hub's Redis (issue #13, item 4): against a Redis with persistence off
 * (a redis-server of this test's own, `--appendonly no --save ''`), `crossdock start`, `crossdock
 * router` and `crossdock connector` refuse to start with CD_E_REDIS_NOT_DURABLE naming the setting
 * and its fix; with `redis.durability: none` the hub starts and logs the warning.
 */
describe('the hub refuses a Redis that can lose its state (own redis-server, persistence off)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-durability-'));
  const prefix = randomName('dur');
  let redisServer: ChildProcess;
  let redisUrl: string;
  let hub: HubProcess | undefined;

  const doc = (extra: Record<string, unknown> = {}) => ({
    ...oneSiteConfig(prefix, 'http://127.0.0.1:9/events'),
    ...extra,
  });

  const cli = (args: string[]) =>
    runCli(args, { CROSSDOCK_HOME: home, CROSSDOCK_CACHE_DIR: stackPaths().cache, REDIS_URL: redisUrl });

  beforeAll(async () => {
    const port = await freePort();
    redisUrl = `redis://127.0.0.1:${port}`;
    redisServer = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', home],
      { stdio: 'ignore' },
    );
    await eventually(() => redisAnswers(redisUrl), 'the test redis-server to answer');
  });

  afterAll(async () => {
    await hub?.dispose();
    redisServer?.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('crossdock start, router and connector refuse it with CD_E_REDIS_NOT_DURABLE', async () => {
    const file = path.join(home, 'hub.yaml');
    fs.writeFileSync(file, YAML.stringify(doc()));
    for (const args of [
      ['start', '--config', file, '--health-port', '0'],
      ['router', '--config', file, '--health-port', '0'],
      ['connector', 'erp', '--config', file, '--health-port', '0'],
    ]) {
      const res = await cli(args);
      expect({ command: args[0], code: res.code }).toEqual({ command: args[0], code: 3 });
      expect(res.out).toContain('CD_E_REDIS_NOT_DURABLE');
      expect(res.out).toContain(`Redis at ${redisUrl}`);
      expect(res.out).toContain('appendonly is "no"');
      expect(res.out).toContain('CONFIG SET appendonly yes');
      expect(res.out).toContain('redis.durability: none');
    }
  });

  it('starts with redis.durability: none and logs the warning', async () => {
    hub = await startHub(doc({ redis: { durability: 'none' } }), { REDIS_URL: redisUrl });
    expect(hub.log()).toContain('"event":"hub.redis_not_durable"');
    expect(hub.log()).toContain('appendonly=no');
    expect(await hub.stop()).toBe(0);
  });
});
