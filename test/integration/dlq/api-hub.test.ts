import crypto from 'node:crypto';
import fs from 'node:fs';
import { readRunFile, runFilePath } from '../../../hub';
import type { AuditRecord } from '../../../dlq';
import { businessKey, encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { oneSiteConfig, runCli, startHub, type HubProcess } from '../../helpers/hub';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { startReceiver, type Receiver } from '../delivery/helpers';

/**
 * The admin API inside `crossdock start`: it listens on hub.admin (loopback here), the run file
 * names it with a local admin token (mode 0600, gone when the hub stops), and the CLI on the same
 * machine works with no token set: a delivery that fails for good is found with `dlq list`, its
 * event shown, and the audit trail (topic and `audit list`) says the local admin did it.
 */
describe('dlq: the admin API in crossdock start', () => {
  const prefix = randomName('dlqhub');
  const kafka = testKafka();
  const producer = kafka.producer();
  const entry = loadCatalog().byEventType('OrderReleased')!;
  let erp: Receiver;
  let hub: HubProcess;
  let erpFixed = false;
  let deadLetterId = '';
  let eventId = '';

  beforeAll(async () => {
    erp = await startReceiver(() =>
      erpFixed ? { status: 200 } : { status: 400, body: 'unknown warehouse' },
    );
    hub = await startHub(oneSiteConfig(prefix, erp.url));
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await hub?.dispose();
    await erp?.close();
  });

  const cli = (args: string[]) => runCli(args, { CROSSDOCK_HOME: hub.home, CROSSDOCK_ADMIN_TOKEN: '' });

  it('writes the admin URL and a local admin token to the run file, readable by its user only', () => {
    const run = readRunFile(hub.home)!;
    expect(run.adminUrl).toBe(`http://127.0.0.1:${hub.adminPort}`);
    expect(run.adminToken).toMatch(/^cdadm_[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(runFilePath(hub.home)).mode & 0o777).toBe(0o600);
  });

  it('finds a failed delivery with the CLI and no token set; the audit names the local admin', async () => {
    eventId = crypto.randomUUID();
    const event = exampleEvent('OrderReleased');
    Object.assign(event.metadata as Record<string, unknown>, { eventId, siteId: 'us-atl' });
    const value = await encodeEvent(testEndpoints().registryUrl, entry, undefined, event);
    await producer.send({
      topic: `${prefix}.ingress.us-atl`,
      acks: -1,
      messages: [{ key: businessKey(entry, event), value }],
    });

    let page: { total: number; items: Array<{ id: string; eventId: string; code: string }> } = {
      total: 0,
      items: [],
    };
    await eventually(
      async () => {
        const r = await cli(['dlq', 'list', '--json', '--subscriber', 'erp']);
        expect(r.code).toBe(0);
        page = JSON.parse(r.stdout) as typeof page;
        return page.total === 1;
      },
      'the dead letter of erp to be listed',
      60_000,
    );
    expect(page.items[0]).toMatchObject({ eventId });
    deadLetterId = page.items[0]!.id;

    const shown = await cli(['dlq', 'show', page.items[0]!.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`eventId ${eventId}`);
    expect(shown.stdout).toContain('last status 400');

    const audit = await cli(['audit', 'list', '--json', '--op', 'dlq.show']);
    expect(audit.code).toBe(0);
    expect((JSON.parse(audit.stdout) as { records: AuditRecord[] }).records[0]).toMatchObject({
      who: 'local-admin',
      role: 'admin',
      op: 'dlq.show',
      result: 'ok',
      count: 1,
      selector: { id: page.items[0]!.id },
    });

    // The trail's record of truth: the hub made <prefix>.audit and wrote there too.
    const seen: AuditRecord[] = [];
    const consumer = kafka.consumer({ groupId: randomName('audit-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: `${prefix}.audit`, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void seen.push(JSON.parse(message.value!.toString()) as AuditRecord),
    });
    try {
      await eventually(
        () => seen.some((r) => r.op === 'dlq.show' && r.who === 'local-admin'),
        'the audit topic',
      );
    } finally {
      await consumer.disconnect();
    }
  });

  it('replays it after the fix: a dry run first, then a job followed to its end, delivered once', async () => {
    erpFixed = true;
    const before = erp.requests.length;
    const dry = await cli(['dlq', 'replay', deadLetterId, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/deliver\s+would deliver to erp/);
    expect(dry.stdout).toContain('dry run, nothing sent: deliver 1');
    expect(erp.requests.length).toBe(before);

    // Not a terminal: plain progress lines on stderr, the job's end on stdout.
    const run = await cli(['dlq', 'replay', deadLetterId]);
    expect([run.code, run.stdout]).toEqual([
      0,
      expect.stringMatching(/^job \S+ done: 1 of 1 handled \(sent 1, skipped 0, refused 0\)/),
    ]);
    expect(run.stderr).toMatch(/replay \S+: .*1\/1 sent 1/);
    await eventually(
      () => erp.requests.some((r) => r.key === eventId && erp.requests.length > before),
      'erp to get the replay',
    );
    expect(erp.requests.slice(before).map((r) => r.key)).toEqual([eventId]);

    const shown = JSON.parse((await cli(['dlq', 'show', deadLetterId, '--json'])).stdout) as {
      record: { state: string; replays: string[] };
    };
    expect(shown.record.state).toBe('replayed');
    const audit = JSON.parse((await cli(['audit', 'list', '--json', '--op', 'dlq'])).stdout) as {
      records: AuditRecord[];
    };
    expect(audit.records.map((r) => r.op)).toEqual(expect.arrayContaining(['dlq.dry-run', 'dlq.replay']));
  });

  it('config apply takes an admin token of the admin API as well as the control token; both are audited', async () => {
    const r = await runCli(['config', 'apply', hub.file], {
      CROSSDOCK_HOME: hub.home,
      CROSSDOCK_ADMIN_TOKEN: readRunFile(hub.home)!.adminToken!,
    });
    expect([r.code, r.stdout.trim()]).toEqual([0, 'applied: nothing changed']);
    const wrong = await runCli(['config', 'apply', hub.file], {
      CROSSDOCK_HOME: hub.home,
      CROSSDOCK_ADMIN_TOKEN: 'not-a-token',
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('CD_E_HUB_UNAUTHORIZED');
    const audit = JSON.parse((await cli(['audit', 'list', '--json', '--op', 'config.apply'])).stdout) as {
      records: AuditRecord[];
    };
    expect(audit.records.map((x) => [x.who, x.result, x.code])).toEqual([
      ['anonymous', 'refused', 'CD_E_HUB_UNAUTHORIZED'],
      ['local-admin', 'ok', undefined],
    ]);
    expect(audit.records[1]!.selector).toEqual({ via: 'config apply', file: hub.file });
  });

  it('removes the run file, and with it the local token, when the hub stops', async () => {
    expect(await hub.stop()).toBe(0);
    expect(readRunFile(hub.home)).toBeUndefined();
    const r = await cli(['dlq', 'list']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('CD_E_HUB_NOT_RUNNING');
  });
});
