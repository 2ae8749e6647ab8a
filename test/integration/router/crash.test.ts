import '../../helpers/integration-timeout';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, randomName, testEndpoints } from '../../helpers/stack';
import { configYaml } from './harness';
import { expectStreamExactlyOnce, makeStream, produceStream, useStreamFixture } from './stream';

/**
 * `kill -9` of a router child process in the middle of a stream of thousands of events, then a
 * restart: each event is in each subscribed topic exactly once (read_committed), none lost.
 */
const root = path.resolve(__dirname, '../../..');
const fx = useStreamFixture();
const { config, t } = fx;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-router-crash-'));
const configFile = path.join(dir, 'hub.yaml');
const instance = randomName('router-crash');
const children: ChildProcess[] = [];

function startChild(): ChildProcess {
  const e = testEndpoints();
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin/crossdock.js'), 'router', '--config', configFile, '--health-port', '0'],
    {
      cwd: root,
      env: {
        ...process.env,
        CROSSDOCK_KAFKA_BROKERS: e.kafkaBrokers.join(','),
        CROSSDOCK_REGISTRY_URL: e.registryUrl,
        REDIS_URL: e.redisUrl,
        // A stable transactional id: the restarted process fences the killed one's open transaction.
        CROSSDOCK_ROUTER_INSTANCE: instance,
        CROSSDOCK_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (code) process.stderr.write(`router child exited ${code} ${signal ?? ''}: ${err}\n`);
  });
  children.push(child);
  return child;
}

beforeAll(() => fs.writeFileSync(configFile, configYaml(config)));

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

it('delivers each event exactly once per subscribed topic across a kill -9 and a restart', async () => {
  const events = await makeStream(4000);
  const first = startChild();
  let killedAt = -1;
  await produceStream(fx.producer, config, events, 200, async (sent) => {
    if (killedAt < 0 && sent >= 1200) {
      // Kill it while it is busy: wait until it has routed some, not all, of what was sent.
      await eventually(
        () => fx.collector.get(t.deliver('c')).length >= 400,
        'the first router to route 400 events',
        60000,
      );
      killedAt = fx.collector.get(t.deliver('c')).length;
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
      startChild();
    }
  });
  expect(killedAt).toBeGreaterThan(0);
  expect(killedAt).toBeLessThan(events.length);
  await expectStreamExactlyOnce(fx, events, 100000);
});
