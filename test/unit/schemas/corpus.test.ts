import { checkSchemas } from '../../../schemas/check';
import { SchemaSandbox } from './sandbox';
import { BAD, GOOD } from './corpus-cases';

describe('schemas check on the shipped schemas', () => {
  it('passes with eleven or more event types', () => {
    const r = checkSchemas();
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.eventTypes).toBeGreaterThanOrEqual(11);
  });
});

describe('bad-change corpus: each is flagged with its rule id and names the field', () => {
  it('covers at least ten kinds of bad change', () => {
    expect(new Set(BAD.map((c) => c.rule)).size).toBeGreaterThanOrEqual(10);
  });

  it.each(BAD.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const s = new SchemaSandbox();
    try {
      c.apply(s);
      const r = checkSchemas(s.dir);
      expect(r.ok).toBe(false);
      const hits = r.problems.filter((p) => p.rule === c.rule);
      expect(hits.length).toBeGreaterThan(0);
      if (c.path !== undefined) expect(hits.map((p) => p.path)).toContain(c.path);
      for (const words of c.says) expect(hits.map((p) => p.message).join('\n')).toContain(words);
      for (const p of r.problems) expect(p.file).toBeTruthy();
    } finally {
      s.remove();
    }
  });
});

describe('good changes pass', () => {
  it.each(GOOD.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const s = new SchemaSandbox();
    try {
      c.apply(s);
      expect(checkSchemas(s.dir).problems).toEqual([]);
    } finally {
      s.remove();
    }
  });
});
