import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Admin } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { onboardSite } from '../../../connectors/sources';
import { randomName, testKafka } from '../../helpers/stack';

/**
 * `crossdock site add` makes the ingress topic with the hub's `hub.topics.replicationFactor`
 * (connectors/sources/onboarding.ts), waits for its leaders itself and refuses a factor above the
 * brokers running before anything is created (CD_E_TOPIC_REPLICATION_TOO_HIGH), as the hub's own
 * topic creation does. The test stack has one broker.
 */
const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/crossdock.js', ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('site add: the ingress topic is replicated like the hub topics', () => {
  let admin: Admin;
  const prefix = randomName('sar').replace(/-/g, '');
  let dir: string;

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'site-add-rf-'));
  });
  afterAll(async () => {
    await admin.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a factor above the brokers running is refused naming the setting; no topic is made', async () => {
    const siteId = 'us-rfa';
    await expect(
      onboardSite({ admin, prefix, siteId, kind: 'sdk', scram: false, replicationFactor: 3 }),
    ).rejects.toMatchObject({
      code: 'CD_E_TOPIC_REPLICATION_TOO_HIGH',
      message: expect.stringContaining(
        'hub.topics.replicationFactor is 3, but the Kafka cluster has 1 broker',
      ),
    });
    expect(await admin.listTopics()).not.toContain(`${prefix}.ingress.${siteId}`);
  });

  it('a factor that fits makes the topic with that many replicas and a leader for every partition', async () => {
    const res = await onboardSite({
      admin,
      prefix,
      siteId: 'us-rfb',
      kind: 'sdk',
      scram: false,
      partitions: 3,
      replicationFactor: 1,
    });
    expect(res.topicCreated).toBe(true);
    // No wait here: onboardSite returned only once every partition had a leader.
    const [md] = (await admin.fetchTopicMetadata({ topics: [res.topic] })).topics;
    expect(md!.partitions.map((p) => [p.replicas.length, p.leader >= 0])).toEqual([
      [1, true],
      [1, true],
      [1, true],
    ]);
    // Again: the existing topic is left as it is, even with a factor the cluster cannot take.
    await expect(
      onboardSite({ admin, prefix, siteId: 'us-rfb', kind: 'sdk', scram: false, replicationFactor: 3 }),
    ).resolves.toMatchObject({ topicCreated: false });
  });

  it('`crossdock site add --config` takes hub.topics.replicationFactor from that configuration', async () => {
    // The example configuration with 3 replicas (the test stack has one broker).
    const doc = parse(fs.readFileSync(path.join(root, 'examples/hub.yaml'), 'utf8')) as {
      $schema?: string;
      hub: { topics?: Record<string, unknown> };
    };
    delete doc.$schema;
    doc.hub.topics = { ...doc.hub.topics, replicationFactor: 3 };
    const file = path.join(dir, 'hub.yaml');
    fs.writeFileSync(file, stringify(doc));
    const siteId = 'us-rfc';
    const res = await cli([
      'site',
      'add',
      siteId,
      '--kind',
      'sdk',
      '--no-scram',
      '--prefix',
      prefix,
      '--config',
      file,
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('CD_E_TOPIC_REPLICATION_TOO_HIGH');
    expect(await admin.listTopics()).not.toContain(`${prefix}.ingress.${siteId}`);
  });
});
