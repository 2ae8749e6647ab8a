import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { registryRequest } from '../../../core/registry';
import { loadCatalog } from '../../../schemas';
import { checkSchemas } from '../../../schemas/check';
import { pushSchemas, listSchemas } from '../../../schemas/push';
import { testEndpoints } from '../../helpers/stack';
import { field, SchemaSandbox } from '../../unit/schemas/sandbox';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const registryUrl = testEndpoints().registryUrl;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/crossdock.js', ...args], {
      cwd: root,
      env: { ...process.env, CROSSDOCK_REGISTRY_URL: registryUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

type PushJson = {
  subjects: Array<{
    subject: string;
    versions: Array<{ version: number; schemaId: number; registryVersion: number; created: boolean }>;
  }>;
};

describe('schemas push against the real registry', () => {
  const sandboxes: SchemaSandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.remove()));

  it('`crossdock schemas push --json` twice prints the same subjects and ids; the second run registers nothing', async () => {
    const first = await cli(['schemas', 'push', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const second = await cli(['schemas', 'push', '--json']);
    expect(second.code).toBe(0);
    const a = JSON.parse(first.stdout) as PushJson;
    const b = JSON.parse(second.stdout) as PushJson;
    const ids = (r: PushJson) =>
      r.subjects.map((s) => [s.subject, s.versions.map((v) => [v.version, v.schemaId, v.registryVersion])]);
    expect(ids(b)).toEqual(ids(a));
    expect(b.subjects.flatMap((s) => s.versions).every((v) => !v.created)).toBe(true);
    expect(a.subjects.length).toBeGreaterThanOrEqual(11);
  });

  it("leaves at least eleven record-name subjects in the registry with the catalog's compatibility", async () => {
    const reply = await registryRequest(registryUrl, 'GET', '/subjects');
    const subjects = reply.body as string[];
    const catalog = loadCatalog();
    for (const e of catalog.entries) {
      expect(subjects).toContain(e.subject);
      const config = await registryRequest(registryUrl, 'GET', `/config/${e.subject}`);
      expect((config.body as { compatibilityLevel: string }).compatibilityLevel).toBe(e.compatibility);
    }
    const listed = await listSchemas({ registry: registryUrl });
    expect(
      listed
        .flatMap((e) => e.versions)
        .every((v) => v.status === 'retired' || (v.registry && v.registry.schemaId > 0)),
    ).toBe(true);
  });

  it('a new subject gets its versions oldest first and the catalog mode; an incompatible version is refused naming subject and version', async () => {
    const s = new SchemaSandbox();
    sandboxes.push(s);
    const { subject } = s.isolate('OrderHoldPlaced');
    s.editEntry('OrderHoldPlaced', (e) => void (e.compatibility = 'FULL'));
    s.addVersion(
      'OrderHoldPlaced',
      (x) =>
        void x.fields.push({
          name: 'reviewQueue',
          type: ['null', 'string'],
          default: null,
          doc: 'Credit review queue.',
        }),
    );
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { base: null, timestamp: false },
      { write: (l: string) => void lines.push(JSON.parse(l)) },
    );
    const pushed = await pushSchemas({
      registry: registryUrl,
      catalog: loadCatalog(s.dir, { cache: false }),
      logger,
    });
    expect(pushed.subjects[0]!.versions.map((v) => [v.version, v.registryVersion, v.created])).toEqual([
      [1, 1, true],
      [2, 2, true],
    ]);
    expect(lines.map((l) => [l.event, l.subject, l.version ?? l.compatibility])).toEqual([
      ['schemas.version_registered', subject, 1],
      ['schemas.version_registered', subject, 2],
      ['schemas.compatibility_changed', subject, 'FULL'],
    ]);
    const config = await registryRequest(registryUrl, 'GET', `/config/${subject}`);
    expect((config.body as { compatibilityLevel: string }).compatibilityLevel).toBe('FULL');

    // v3 changes a field's type: our check names it, and the registry refuses it.
    s.addVersion('OrderHoldPlaced', (x) => void (field(x, 'holdNote').type = ['null', 'int']));
    expect(checkSchemas(s.dir).problems.map((p) => p.rule)).toContain('compat-type-changed');
    const refused = pushSchemas({ registry: registryUrl, catalog: loadCatalog(s.dir, { cache: false }) });
    await expect(refused).rejects.toMatchObject({
      code: 'CD_E_SCHEMA_INCOMPATIBLE',
      retriable: false,
      message: expect.stringContaining(`${subject} OrderHoldPlaced v3`),
      details: expect.objectContaining({ subject, version: 3 }),
    });
  });

  it('`schemas push` refuses to push when check finds problems, and the CLI prints the code', async () => {
    const s = new SchemaSandbox();
    sandboxes.push(s);
    s.isolate('ReturnAuthorized');
    s.addVersion('ReturnAuthorized', (x) => void (field(x, 'returnReason').type = 'string'));
    const res = await cli(['schemas', 'push', '--dir', s.dir]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(
      /^error CD_E_SCHEMA_CHECK_FAILED: .*\n.*returnReason.*\[compat-type-changed\]/s,
    );
  });
});
