import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { toJsonSafe } from '../../../core/avro';
import { currentVersion, decodeEvent, encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { createSchemaResolver, registryRequest } from '../../../core/registry';
import { stackPaths } from '../../../stack/paths';
import { APICURIO_VERSION } from '../../../stack/versions';
import { testEndpoints } from '../../helpers/stack';

const run = promisify(execFile);
const registryUrl = testEndpoints().registryUrl;

/**
 * A decoder that is not ours and not JavaScript: Apache Avro for Java (from the registry's own
 * distribution, which the local stack has already fetched), with its standard logical-type
 * conversions. For every event type it reads our bytes with the schema the registry serves for
 * the id in the frame, and writes the same datum back byte for byte.
 */
describe('interop with Apache Avro (Java)', () => {
  const libs = path.join(stackPaths().registryDir, APICURIO_VERSION, 'app', 'lib', 'main');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-java-interop-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('decodes every event type as we do and re-encodes the same bytes', async () => {
    // The stack fetched the registry distribution to run it; its Avro jar is what we borrow.
    expect(fs.readdirSync(libs).some((f) => f.startsWith('org.apache.avro.avro-'))).toBe(true);
    const catalog = loadCatalog();
    const cases: Array<{ eventType: string; bytes: Buffer; schemaFile: string }> = [];
    for (const entry of catalog.entries) {
      const bytes = await encodeEvent(
        registryUrl,
        entry,
        currentVersion(entry)!.version,
        exampleEvent(entry.eventType),
      );
      const byId = await registryRequest(registryUrl, 'GET', `/schemas/ids/${bytes.readUInt32BE(1)}`);
      const schemaFile = path.join(tmp, `${entry.eventType}.avsc`);
      fs.writeFileSync(schemaFile, (byId.body as { schema: string }).schema);
      cases.push({ eventType: entry.eventType, bytes, schemaFile });
    }
    const { stdout } = await run(
      'java',
      [
        '-cp',
        path.join(libs, '*'),
        path.join(__dirname, 'java', 'AvroInterop.java'),
        ...cases.flatMap((c) => [c.schemaFile, c.bytes.toString('hex')]),
      ],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(cases.length * 2);
    const resolver = createSchemaResolver(registryUrl);
    for (const [i, c] of cases.entries()) {
      const java = JSON.parse(lines[i * 2]!) as { schemaId: number; event: unknown };
      expect(java.schemaId).toBe(c.bytes.readUInt32BE(1));
      const ours = await decodeEvent(resolver, c.bytes, { catalog });
      // Java's view (BigDecimal plain strings, Instant and LocalDate ISO forms) equals our JSON form.
      expect({ eventType: c.eventType, event: java.event }).toEqual({
        eventType: c.eventType,
        event: toJsonSafe(ours.event),
      });
      expect(lines[i * 2 + 1]).toBe(c.bytes.toString('hex'));
    }
  });
});
