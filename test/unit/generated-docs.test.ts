import path from 'node:path';
import { driftedDocs, GENERATED_DOCS } from '../../scripts/docs';

describe('generated docs', () => {
  it('every generated file under docs/ matches what the code renders (run `npm run docs` to refresh)', async () => {
    expect(GENERATED_DOCS.length).toBeGreaterThan(0);
    expect(await driftedDocs(path.resolve(__dirname, '../..'))).toEqual([]);
  });

  it('docs/observability.md (metrics and log events from hub/observability.ts) is one of them', () => {
    expect(GENERATED_DOCS.map((d) => d.file)).toContain('docs/observability.md');
  });
});
