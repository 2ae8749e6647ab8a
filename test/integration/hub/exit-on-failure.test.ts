import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { stackPaths } from '../../../stack';
import { redisAnswers } from '../../../stack/probes';
import { freePort } from '../../../stack/proc';
import { oneSiteConfig, runCli } from '../../helpers/hub';
import { eventually, randomName } from '../../helpers/stack';

/**
 * A hub process whose start fails (here: no broker answers) reports the error and exits, so a
 * supervisor starts it again. Found by the fault soak (docs/reliability.md): `crossdock start`,
 * restarted while the broker was down, printed the error, closed its ingest and health servers and
 * then stayed alive for good, held by a client still trying to reconnect.
 */
describe('a hub process that cannot start exits (own redis-server with AOF, no broker)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-exit-'));
  const prefix = randomName('exit');
  let redisServer: ChildProcess;
  let redisUrl: string;
  let deadBroker: string;

  // Far beyond the start-up retries: a process still alive then would never have exited.
  const cli = (args: string[]) =>
    runCli(args, {
      CROSSDOCK_HOME: home,
      CROSSDOCK_CACHE_DIR: stackPaths().cache,
      CROSSDOCK_KAFKA_BROKERS: deadBroker,
      CROSSDOCK_REGISTRY_URL: `http://${deadBroker}/apis/ccompat/v7`,
      REDIS_URL: redisUrl,
      CROSSDOCK_LOG_LEVEL: 'warn',
    });

  beforeAll(async () => {
    const [port, closed] = await Promise.all([freePort(), freePort()]);
    redisUrl = `redis://127.0.0.1:${port}`;
    deadBroker = `127.0.0.1:${closed}`;
    redisServer = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', home],
      { stdio: 'ignore' },
    );
    await eventually(() => redisAnswers(redisUrl), 'the test redis-server to answer');
    fs.writeFileSync(
      path.join(home, 'hub.yaml'),
      YAML.stringify(oneSiteConfig(prefix, 'http://127.0.0.1:9/events')),
    );
  });

  afterAll(() => {
    redisServer?.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  });

  it.each([['router'], ['connector', 'erp']])('crossdock %s reports the error and exits', async (...cmd) => {
    const res = await cli([...cmd, '--config', path.join(home, 'hub.yaml'), '--health-port', '0']);
    expect(res.signal).toBeNull();
    // A coded "could not do it" (exit 3), not an internal error (exit 70): Kafka is down, not crossdock.
    expect(res.code).toBe(3);
    expect(res.out).toContain('CD_E_KAFKA_UNREACHABLE');
    expect(res.out).toContain(`ECONNREFUSED ${deadBroker}`);
  });
});
