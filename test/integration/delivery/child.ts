import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { testKafka } from '../../helpers/stack';
import type { Receiver } from './helpers';

const CHILD = path.join(__dirname, 'fixtures', 'connector-child.ts');
const ROOT = path.resolve(__dirname, '../../..');

/** A connector in its own process (fixtures/connector-child.ts), resolved once it is consuming. */
export function startChild(config: object): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', CHILD], {
    cwd: ROOT,
    env: { ...process.env, CD_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

/** Resolves once the child process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

/** What childFixture() holds for a test file; set in its beforeAll. */
export interface ChildFixture {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  /** Register what the test starts; afterAll kills (SIGKILL) the children still alive and closes the receivers. */
  children: ChildProcess[];
  receivers: Receiver[];
}

/**
 * The set-up shared by the tests that run connectors in their own processes: a Kafka admin and
 * producer for the file (beforeAll), and the clean-up of everything registered (afterAll).
 */
export function childFixture(): ChildFixture {
  const f = { children: [], receivers: [] } as unknown as ChildFixture;
  beforeAll(async () => {
    f.kafka = testKafka();
    f.admin = f.kafka.admin();
    await f.admin.connect();
    f.producer = f.kafka.producer();
    await f.producer.connect();
  });
  afterAll(async () => {
    for (const child of f.children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    for (const r of f.receivers) await r.close();
    await f.producer?.disconnect();
    await f.admin?.disconnect();
  });
  return f;
}
