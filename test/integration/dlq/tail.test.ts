import '../../helpers/integration-timeout';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { stringify } from 'yaml';
import type { HubConfig } from '../../../core/config';
import { topics } from '../../../core/names/topics';
import { loadConfig } from '../../../hub';
import { ensureTopics } from '../../../router';
import { MASK } from '../../../schemas';
import type { TailRecord } from '../../../cli/tail';
import { runCli } from '../../helpers/hub';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { startApiHarness, TOKENS, type ApiHarness } from './api-harness';
import { TEST_SITES } from '../router/harness';
import { wireEvent, type WireEvent } from '../router/events';

/**
 * `crossdock events tail` as a user runs it (bin/crossdock.js in its own process) against a real
 * topic: decoded through the registry with personal fields masked, NDJSON with --json, --limit,
 * --from-beginning or live, Ctrl-C, and the coded error for a name that is no subscriber or topic.
 */
describe('events tail', () => {
  const ROOT = path.resolve(__dirname, '../../..');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-tail-'));
  const file = path.join(home, 'hub.yaml');
  const prefix = randomName('tail').replace(/-/g, '');
  const env = {
    CROSSDOCK_HOME: home,
    CROSSDOCK_KAFKA_BROKERS: testEndpoints().kafkaBrokers.join(','),
    CROSSDOCK_REGISTRY_URL: testEndpoints().registryUrl,
  };
  let config: HubConfig;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  /** An admin API (real index, audit topic, Redis): --show-personal asks it for the role first. */
  let api: ApiHarness;
  const released: WireEvent[] = [];

  beforeAll(async () => {
    api = await startApiHarness();
    fs.writeFileSync(
      file,
      stringify({
        hub: { topicPrefix: prefix, topics: { partitions: 1, replicationFactor: 1 } },
        sites: TEST_SITES,
        subscribers: [{ id: 'wms', sink: { kind: 'http', url: 'http://127.0.0.1:9/hook' } }],
        routes: [{ name: 'all', match: {}, to: ['wms'] }],
      }),
    );
    config = loadConfig(file);
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, config);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 3; i++)
      released.push(await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderReleased', version: 2 }));
    await producer.send({
      topic: topics(config).deliver('wms'),
      acks: -1,
      messages: [...released, { key: 'not-avro', value: Buffer.from('{"customerName":"Ada Lovelace"}') }],
    });
  });

  afterAll(async () => {
    await api?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const lines = (stdout: string) =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TailRecord);

  it('--decode --limit N --json --from-beginning: N decoded records, personal fields masked', async () => {
    const res = await runCli(
      ['events', 'tail', 'wms', '--config', file, '--decode', '--from-beginning', '--limit', '4', '--json'],
      env,
    );
    expect(res.stderr).toContain(`tailing ${topics(config).deliver('wms')} (subscriber wms), partitions 0`);
    expect(res.stderr).toContain('4 records');
    expect(res.code).toBe(0);
    const records = lines(res.stdout);
    expect(records).toHaveLength(4);
    records.slice(0, 3).forEach((r, i) => {
      const sent = released[i]!;
      expect(r).toMatchObject({
        topic: topics(config).deliver('wms'),
        partition: 0,
        offset: String(i),
        key: sent.key,
        bytes: sent.value.length,
        headers: {
          ce_id: sent.event.metadata.eventId,
          ce_type: 'OrderReleased',
          'content-type': 'application/avro',
        },
      });
      expect(r.event).toMatchObject({
        decoded: true,
        subject: 'com.crossdock.order.OrderReleased',
        eventType: 'OrderReleased',
        version: 2,
        masked: 'personal-fields',
      });
      const value = (r.event as { value: Record<string, any> }).value; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(value.customerName).toBe(MASK);
      expect(value.shipTo.email).toBe(MASK);
      expect(value.orderId).toBe(sent.event.orderId);
      expect(value.metadata.eventId).toBe(sent.event.metadata.eventId);
      expect(value.metadata.occurredAt).toBe((sent.event.metadata.occurredAt as Date).toISOString());
    });
    // Not Confluent-framed: only its first 5 bytes, since raw bytes carry names in clear.
    expect(records[3]).toMatchObject({
      key: 'not-avro',
      offset: '3',
      event: { decoded: false, code: 'CD_E_BAD_FRAMING', hex: '7b22637573', masked: 'bytes' },
    });
    expect(res.stdout).not.toContain('Lovelace');
  });

  const showPersonal = (token?: string) =>
    runCli(
      [
        'events',
        'tail',
        topics(config).deliver('wms'),
        '--config',
        file,
        '--decode',
        '--show-personal',
        '--hub',
        api.url,
        '--from-beginning',
        '--limit',
        '1',
        '--json',
      ],
      { ...env, ...(token ? { CROSSDOCK_ADMIN_TOKEN: token } : {}) },
    );

  it('--show-personal needs the admin role: a viewer or operator token is refused (exit 3, audited), none at all too', async () => {
    const since = Date.now();
    for (const token of [TOKENS.viewer, TOKENS.operator]) {
      const res = await showPersonal(token);
      // --json: the coded error is the one document on stdout; no record was printed.
      expect([res.code, (JSON.parse(res.stdout) as { error: { code: string } }).error.code]).toEqual([
        3,
        'CD_E_ADMIN_FORBIDDEN',
      ]);
      expect(res.stdout + res.stderr).not.toContain(released[0]!.event.customerName);
    }
    const none = await showPersonal(undefined);
    expect([none.code, (JSON.parse(none.stdout) as { error: { code: string } }).error.code]).toEqual([
      3,
      'CD_E_ADMIN_UNAUTHORIZED',
    ]);
    const refused = (await api.auditTopic()).filter(
      (r) => r.at >= since && r.op === 'events.tail-personal' && r.result === 'refused',
    );
    // Without a token the CLI does not call the API at all (it has nothing to send).
    expect(refused.map((r) => r.who).sort()).toEqual(['otto', 'vera']);
  });

  it('--show-personal shows them to an admin; without --json one block of text per record', async () => {
    const shown = await showPersonal(TOKENS.admin);
    expect(shown.code).toBe(0);
    const [r] = lines(shown.stdout);
    expect(r!.event).toMatchObject({ decoded: true, masked: 'none' });
    expect((r!.event as { value: { customerName: string } }).value.customerName).toBe(
      released[0]!.event.customerName,
    );

    const text = await runCli(
      ['events', 'tail', 'wms', '--config', file, '--decode', '--from-beginning', '--limit', '1'],
      env,
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${topics(config).deliver('wms')} 0/0  `);
    expect(text.stdout).toContain(`key ${released[0]!.key}`);
    expect(text.stdout).toContain(`  ce_id: ${released[0]!.event.metadata.eventId}`);
    expect(text.stdout).toMatch(
      / {2}event OrderReleased v2 schema id \d+ \(personal fields masked: customerName, /,
    );
    expect(text.stdout).toContain(`"customerName": "${MASK}"`);
  });

  it('live: prints what arrives after it started, ends at --limit; Ctrl-C ends it cleanly', async () => {
    const ingress = topics(config).ingress('us-chi');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/crossdock.js'),
        'events',
        'tail',
        ingress,
        '--config',
        file,
        '--limit',
        '2',
        '--json',
      ],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await eventually(() => stderr.includes('tailing'), 'the tail to have its partitions', 60_000);
    const live = [
      await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderHoldPlaced' }),
      await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderHoldPlaced' }),
    ];
    await producer.send({ topic: ingress, acks: -1, messages: live });
    expect(await exited).toBe(0);
    expect(lines(stdout).map((r) => r.headers.ce_id)).toEqual(live.map((w) => w.event.metadata.eventId));

    const idle = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/crossdock.js'), 'events', 'tail', 'wms', '--config', file],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let idleErr = '';
    idle.stderr.on('data', (d: Buffer) => (idleErr += d.toString()));
    const idleExit = new Promise<number | null>((r) => idle.once('exit', r));
    await eventually(() => idleErr.includes('from now on'), 'the idle tail to start', 60_000);
    idle.kill('SIGINT');
    expect(await idleExit).toBe(0);
    expect(idleErr).toContain('0 records');
    expect(idleErr).not.toMatch(/error/i);
  });

  it('a name that is no subscriber and no topic: exit 2 and CD_E_TAIL_UNKNOWN_TARGET', async () => {
    const unknown = await runCli(['events', 'tail', 'nobody', '--config', file, '--json'], env);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({
      error: { code: 'CD_E_TAIL_UNKNOWN_TARGET', details: { name: 'nobody', subscribers: ['wms'] } },
    });
    const missing = await runCli(['events', 'tail', `${prefix}.deliver.gone`, '--config', file], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      `error CD_E_TAIL_UNKNOWN_TARGET: topic ${prefix}.deliver.gone does not exist`,
    );
    const bad = await runCli(['events', 'tail', 'wms', '--config', file, '--limit', 'x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CD_E_USAGE');
  });
});
