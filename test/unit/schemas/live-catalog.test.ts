import { checkSchemas } from '../../../schemas/check';
import { loadCatalog, type CatalogEntry } from '../../../schemas/catalog';
import { compareWithLock, lockOf, readLock, writeLock } from '../../../schemas/lock';
import {
  catalogDocument,
  describeChange,
  diffCatalogs,
  parseCatalogDocument,
} from '../../../schemas/published';
import { stillWaiting, withCatalogGrace } from '../../../router/catalog-grace';
import type { Analyzer, RecordAnalysis } from '../../../router/analysis';
import { SchemaSandbox } from './sandbox';

const canonical = loadCatalog();
const withStatus = (entries: readonly CatalogEntry[], type: string, version: number, status: string) =>
  entries.map((e) =>
    e.eventType !== type
      ? e
      : { ...e, versions: e.versions.map((v) => (v.version === version ? { ...v, status } : v)) },
  ) as CatalogEntry[];

describe('published catalog record', () => {
  it('round-trips the catalog as one JSON document', () => {
    const doc = catalogDocument(canonical.entries, new Date('2026-12-01T00:00:00Z'), 'me@host');
    const back = parseCatalogDocument(Buffer.from(JSON.stringify(doc)));
    expect(back.publishedAt).toBe('2026-12-01T00:00:00.000Z');
    expect(back.entries).toEqual(JSON.parse(JSON.stringify(canonical.entries)));
    expect(diffCatalogs(canonical.entries, back.entries)).toEqual([]);
  });

  it.each([
    ['not json', 'not JSON'],
    [JSON.stringify({ format: 2, publishedAt: 'x', entries: [] }), 'format 2'],
    [
      JSON.stringify({ format: 1, publishedAt: 'x', entries: [{ eventType: 'A' }] }),
      'no eventType or subject',
    ],
    [
      JSON.stringify({
        format: 1,
        publishedAt: 'x',
        entries: [
          { eventType: 'A', subject: 's', keyFields: ['a'], versions: [{ version: 1, status: 'gone' }] },
        ],
      }),
      'needs version, status and schema',
    ],
  ])('refuses %s with CD_E_CATALOG_INVALID', (value, why) => {
    expect(() => parseCatalogDocument(value)).toThrow(
      expect.objectContaining({ code: 'CD_E_CATALOG_INVALID' }),
    );
    expect(() => parseCatalogDocument(value)).toThrow(why);
  });
});

describe('catalog diff', () => {
  it('names added versions, status changes, schema edits, added and removed types', () => {
    const order = canonical.byEventType('OrderReleased')!;
    const v3 = {
      ...order.versions[1]!,
      version: 3,
      status: 'active' as const,
      file: 'order/OrderReleased/v3.avsc',
    };
    const after = withStatus(canonical.entries, 'OrderReleased', 1, 'retired').map((e) =>
      e.eventType === 'OrderReleased' ? { ...e, versions: [...e.versions, v3] } : e,
    );
    after.push({ ...order, eventType: 'ProbeSeen', subject: 'com.crossdock.t.ProbeSeen', versions: [v3] });
    const edited = after.filter((e) => e.eventType !== 'ReturnAuthorized');
    expect(diffCatalogs(canonical.entries, edited).map(describeChange)).toEqual([
      'OrderReleased v1 deprecated → retired',
      'OrderReleased v3 added (active)',
      'ProbeSeen added',
      'ProbeSeen v3 added (active)',
      'ReturnAuthorized removed',
    ]);
    const schemaEdit = canonical.entries.map((e) =>
      e.eventType === 'OrderHoldPlaced'
        ? { ...e, versions: [{ ...e.versions[0]!, schema: { ...e.versions[0]!.schema, doc: 'x' } }] }
        : e,
    );
    expect(diffCatalogs(canonical.entries, schemaEdit)).toEqual([
      { eventType: 'OrderHoldPlaced', version: 1, change: 'schema' },
    ]);
  });
});

describe('lock file of published versions', () => {
  it('the committed schemas/catalog.lock.json holds every version of the catalog as it is', () => {
    const lock = readLock(canonical.dir);
    expect(lock).toEqual(lockOf(canonical));
    expect(compareWithLock(canonical, lock!)).toEqual([]);
  });

  it('an in-place edit of a locked version fails `schemas check`, naming the file and the version to add', () => {
    const box = new SchemaSandbox();
    writeLock(box.dir, loadCatalog(box.dir, { cache: false }));
    expect(checkSchemas(box.dir).problems).toEqual([]);
    box.editVersion('OrderHoldPlaced', 1, (s) => {
      s.fields.push({ name: 'note', type: ['null', 'string'], default: null, doc: 'A note.' });
    });
    const problems = checkSchemas(box.dir).problems;
    expect(problems).toEqual([
      expect.objectContaining({
        rule: 'published-version-edited',
        file: 'order/OrderHoldPlaced/v1.avsc',
      }),
    ]);
    expect(problems[0]!.message).toMatch(/^CD_E_PUBLISHED_VERSION_CHANGED: order\/OrderHoldPlaced\/v1\.avsc/);
    expect(problems[0]!.message).toContain('add the change as v2');
  });

  it('a doc-only edit keeps the fingerprint (canonical form); adding a version passes and the lock grows', () => {
    const box = new SchemaSandbox();
    writeLock(box.dir, loadCatalog(box.dir, { cache: false }));
    box.editVersion('OrderHoldPlaced', 1, (s) => {
      s.doc = `${String(s.doc)} (reworded)`;
    });
    expect(checkSchemas(box.dir).problems).toEqual([]);
    box.addVersion('OrderHoldPlaced', (s) => {
      s.fields.push({ name: 'note', type: ['null', 'string'], default: null, doc: 'A note.' });
    });
    expect(checkSchemas(box.dir).problems).toEqual([]);
    expect(writeLock(box.dir, loadCatalog(box.dir, { cache: false }))).toEqual([
      'com.crossdock.order.OrderHoldPlaced v2',
    ]);
    expect(writeLock(box.dir, loadCatalog(box.dir, { cache: false }))).toEqual([]);
  });

  it('a removed published version is refused too', () => {
    const lock = lockOf(canonical);
    const without = canonical.entries.map((e) =>
      e.eventType === 'OrderReleased' ? { ...e, versions: e.versions.slice(1) } : e,
    );
    expect(compareWithLock({ entries: without }, lock)).toEqual([
      expect.objectContaining({
        rule: 'published-version-removed',
        path: 'com.crossdock.order.OrderReleased',
      }),
    ]);
  });
});

describe('grace for events the catalog does not know yet', () => {
  const unknown = (
    schemaId: number,
    code = 'CD_E_UNKNOWN_SCHEMA_VERSION',
    subject: string | null = 's',
  ): RecordAnalysis => ({
    ok: false,
    rejection: {
      code,
      message: 'x',
      stage: 'router.schema',
      details: { schemaId, ...(subject ? { subject } : {}) },
    },
  });

  it('holds an id for graceMs from when it was first met, then lets the verdict stand', () => {
    const first = new Map<number, number>();
    expect(stillWaiting([7], first, 1000, 500)).toEqual([7]);
    expect(stillWaiting([7, 8], first, 1400, 500)).toEqual([7, 8]);
    expect(stillWaiting([7, 8], first, 1500, 500)).toEqual([8]);
    expect(stillWaiting([7, 8], first, 1900, 500)).toEqual([]);
    expect(stillWaiting([9], new Map(), 0, 0)).toEqual([]);
  });

  it('throws the retriable CD_E_SCHEMA_VERSION_PENDING while waiting; other rejections pass through', async () => {
    let now = 0;
    let answer: RecordAnalysis[] = [];
    const inner: Analyzer = { analyze: async () => answer, close: async () => undefined };
    const graced = withCatalogGrace(inner, { graceMs: 1000, clock: { now: () => now } });
    const other: RecordAnalysis = {
      ok: false,
      rejection: { code: 'CD_E_BAD_METADATA', message: 'x', stage: 's' },
    };
    answer = [
      other,
      unknown(5, 'CD_E_UNKNOWN_SCHEMA_VERSION', null),
      unknown(6, 'CD_E_UNKNOWN_EVENT_TYPE', null),
    ];
    // No subject (an unnamed schema): no catalog will ever name it, dead-lettered at once.
    await expect(graced.analyze('s', [])).resolves.toEqual(answer);
    answer = [other, unknown(5), unknown(6, 'CD_E_UNKNOWN_EVENT_TYPE')];
    await expect(graced.analyze('s', [])).rejects.toMatchObject({
      code: 'CD_E_SCHEMA_VERSION_PENDING',
      retriable: true,
      details: { schemaIds: [5, 6] },
    });
    now = 999;
    await expect(graced.analyze('s', [])).rejects.toMatchObject({ code: 'CD_E_SCHEMA_VERSION_PENDING' });
    now = 1000;
    await expect(graced.analyze('s', [])).resolves.toEqual(answer);
  });
});
