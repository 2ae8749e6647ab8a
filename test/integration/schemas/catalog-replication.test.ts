import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { parse, stringify } from 'yaml';
import { loadCatalog, publishCatalog } from '../../../schemas';
import { randomName, testKafka } from '../../helpers/stack';

/**
 * The catalog topic `<prefix>.catalog` is made with the hub's `hub.topics.replicationFactor` by
 * every creator (`crossdock start`, `crossdock schemas push`: schemas/follow.ts
 * ensureCatalogTopic), and a factor above the brokers running is refused before anything is
 * created (CD_E_TOPIC_REPLICATION_TOO_HIGH, not wrapped as a publish failure). The test stack has
 * one broker.
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

describe('the catalog topic is replicated like the hub topics', () => {
  let kafka: Kafka;
  let admin: Admin;
  let dir: string;
  const entries = loadCatalog().entries;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-rf-'));
  });
  afterAll(async () => {
    await admin.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a factor above the brokers running is refused naming the setting; no topic is made', async () => {
    const topic = `${randomName('crf')}.catalog`;
    await expect(publishCatalog({ kafka, topic, entries, replicationFactor: 3 })).rejects.toMatchObject({
      code: 'CD_E_TOPIC_REPLICATION_TOO_HIGH',
      message: expect.stringContaining(
        'hub.topics.replicationFactor is 3, but the Kafka cluster has 1 broker',
      ),
    });
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('a factor that fits makes the compacted topic with that many replicas, then the record is written', async () => {
    const topic = `${randomName('crf')}.catalog`;
    const res = await publishCatalog({ kafka, topic, entries, replicationFactor: 1 });
    expect(res.bytes).toBeGreaterThan(0);
    const [md] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(md!.partitions.map((p) => [p.replicas.length, p.leader >= 0])).toEqual([[1, true]]);
    const cfg = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
    });
    expect(cfg.resources[0]!.configEntries[0]!.configValue).toBe('compact');
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => o.high)).toEqual(['1']);
    // Published again: the topic exists, so the factor is not looked at.
    await expect(publishCatalog({ kafka, topic, entries, replicationFactor: 3 })).resolves.toMatchObject({
      topic,
    });
  });

  it('`crossdock schemas push --config` takes hub.topics.replicationFactor from that configuration', async () => {
    // The example configuration with 3 replicas (the test stack has one broker).
    const doc = parse(fs.readFileSync(path.join(root, 'examples/hub.yaml'), 'utf8')) as {
      $schema?: string;
      hub: { topics?: Record<string, unknown> };
    };
    delete doc.$schema;
    doc.hub.topics = { ...doc.hub.topics, replicationFactor: 3 };
    const file = path.join(dir, 'hub.yaml');
    fs.writeFileSync(file, stringify(doc));
    const prefix = randomName('crf').replace(/-/g, '');
    const res = await cli([
      'schemas',
      'push',
      '--only',
      'OrderReleased',
      '--no-lock',
      '--prefix',
      prefix,
      '--config',
      file,
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('CD_E_TOPIC_REPLICATION_TOO_HIGH');
    expect(await admin.listTopics()).not.toContain(`${prefix}.catalog`);
  });
});
