import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startHub, type HubProcess } from '../../helpers/hub';
import { dropCsvSample } from '../../helpers/sites';
import { eventually, randomName, testKafka } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * `crossdock start --only <parts>`: the process a deployment of one process per role runs for the
 * parts that have no command of their own (docs/scaling.md, examples/deploy/Procfile). Here the
 * operations process: the CSV drop folders, dead-letter indexer, replay runner and flow tracker,
 * with the admin API and the console, and no HTTP ingest, router or connectors.
 */
describe('crossdock start --only flows,dlq,csv (real Kafka, registry, Redis)', () => {
  let hub: HubProcess;
  let prefix: string;

  beforeAll(async () => {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples/hub.yaml'), 'utf8')) as {
      hub: { topicPrefix: string; router: { groupId: string } };
    };
    prefix = randomName('only');
    doc.hub.topicPrefix = prefix;
    doc.hub.router.groupId = `${prefix}-router`;
    hub = await startHub(
      doc,
      {
        CROSSDOCK_KEY_US_CHI: 'chi-secret',
        CROSSDOCK_KEY_US_NWK: 'nwk-secret',
        CROSSDOCK_KEY_MX_MTY: 'mty-secret',
      },
      ['--only', 'flows,dlq,csv'],
    );
  });

  afterAll(async () => {
    await hub?.stop();
    await hub?.dispose();
  });

  it('runs the named parts only, in start order, and says so', async () => {
    expect(hub.log()).toMatch(
      /^running {2}csv-drop-folder, dlq-indexer, dlq-replay, flow-tracker \(Ctrl-C stops\)$/m,
    );
    const status = (await (await fetch(`http://127.0.0.1:${hub.healthPort}/status`)).json()) as {
      components?: Record<string, unknown>;
    };
    expect(Object.keys(status.components ?? {}).sort()).toEqual([
      'csv-drop-folder',
      'dlq-indexer',
      'dlq-replay',
      'flow-tracker',
    ]);
  });

  it('serves the admin API and the console, and no HTTP ingest', async () => {
    expect((await fetch(`http://127.0.0.1:${hub.adminPort}/console/login`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${hub.adminPort}/api/v1/dlq/groups`)).status).toBe(401);
    await expect(fetch(`http://127.0.0.1:${hub.ingestPort}/v1/sites/us-chi/events`)).rejects.toThrow();
  });

  it('reads a CSV export dropped in a site folder into its ingress topic', async () => {
    const kafka = testKafka();
    const consumer = kafka.consumer({ groupId: randomName('only-observer') });
    const got: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [`${prefix}.ingress.us-dal`], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => void got.push(message.headers?.ce_id?.toString() ?? ''),
      });
      dropCsvSample(hub.home, 'us-dal', 'orders.input.csv');
      await eventually(() => got.length > 0, 'an event from the dropped CSV on the ingress topic', 60_000);
      expect(got.every((id) => id.length > 0)).toBe(true);
    } finally {
      await consumer.disconnect();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await hub.stop()).toBe(0);
  });
});
