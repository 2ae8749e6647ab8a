import { isCrossdockError } from '../../../core/errors';
import { loadCatalog } from '../../../schemas';
import { checkSchemas } from '../../../schemas/check';
import { pushSchemas } from '../../../schemas/push';
import { testEndpoints } from '../../helpers/stack';
import { BAD, GOOD } from '../../unit/schemas/corpus-cases';
import { SchemaSandbox } from '../../unit/schemas/sandbox';

const registryUrl = testEndpoints().registryUrl;

/**
 * `schemas check` and the registry agree: every compatibility break in the corpus that Avro
 * resolution cannot read is refused by the registry too (so check predicts push), and the changes
 * where crossdock is deliberately stricter (the data would be read, with another meaning) are the
 * only ones the registry lets through. Each case runs in its own random subject namespace.
 */
const STRICTER = new Set([
  'compat-enum-symbol-removed',
  'compat-decimal-changed',
  'compat-logical-type-changed',
]);
const shipped = loadCatalog();

/** Applies a corpus case and moves the changed event to a fresh subject. */
function prepare(apply: (s: SchemaSandbox) => void): { s: SchemaSandbox; subject: string } {
  const s = new SchemaSandbox();
  apply(s);
  const changed = loadCatalog(s.dir, { cache: false }).entries.find(
    (e) => e.versions.length !== shipped.byEventType(e.eventType)?.versions.length,
  );
  if (!changed) throw new Error('the case added no version');
  return { s, subject: s.isolate(changed.eventType).subject };
}

async function pushOutcome(dir: string): Promise<'accepted' | 'refused'> {
  try {
    await pushSchemas({ registry: registryUrl, catalog: loadCatalog(dir, { cache: false }) });
    return 'accepted';
  } catch (err) {
    if (isCrossdockError(err) && err.code === 'CD_E_SCHEMA_INCOMPATIBLE') return 'refused';
    throw err;
  }
}

describe('check and the registry agree on the corpus', () => {
  const sandboxes: SchemaSandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.remove()));

  const compatCases = BAD.filter((c) => c.rule.startsWith('compat-'));

  it.each(compatCases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const { s } = prepare(c.apply);
    sandboxes.push(s);
    expect(checkSchemas(s.dir).problems.map((p) => p.rule)).toContain(c.rule);
    expect(await pushOutcome(s.dir)).toBe(STRICTER.has(c.rule) ? 'accepted' : 'refused');
  });

  it.each(GOOD.map((c) => [c.name, c] as const))('good change accepted by both: %s', async (_n, c) => {
    const { s } = prepare(c.apply);
    sandboxes.push(s);
    expect(checkSchemas(s.dir).problems).toEqual([]);
    expect(await pushOutcome(s.dir)).toBe('accepted');
  });
});
