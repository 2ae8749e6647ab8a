import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { csvRecords } from '../../../connectors/sources/csv/parse';
import { adjacencyCheck, sha256File, streamCsvGroups } from '../../../connectors/sources/csv/stream';
import { loadSiteMappings } from '../../../connectors/sources/mapping/load';
import crypto from 'node:crypto';

/**
 * The drop folder reads files as a stream (csv/stream.ts); csvRecords (parse.ts) reads them whole
 * (`site test`, files with non-adjacent groups). Both must see the same events and problems.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-csv-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const site = loadSiteMappings('us-dal');
const sample = fs.readFileSync(path.join(__dirname, '../../../sites/us-dal/samples/orders.input.csv'));
const header = sample.toString('utf8').split('\n')[0]!;

async function both(name: string, content: Buffer | string) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  const streamed: { groups: Array<{ key: string; rows: number[]; mapped: unknown }>; problems: unknown[] } = {
    groups: [],
    problems: [],
  };
  for await (const item of streamCsvGroups(site, file, {})) {
    if ('fatal' in item) streamed.problems.push(item.fatal);
    else streamed.groups.push({ key: item.group.key, rows: item.group.rows, mapped: item.group.mapped });
  }
  const whole = csvRecords(site, Buffer.from(content), {});
  return {
    streamed,
    whole: {
      groups: whole.groups.map((g) => ({ key: g.key, rows: g.rows, mapped: g.mapped })),
      problems: whole.problems,
    },
  };
}

describe('streamed CSV reading', () => {
  it.each([
    ['the site sample', sample],
    ['a header only', `${header}\n`],
    ['an empty file', ''],
    ['a missing column', sample.toString('utf8').replace('order_no', 'order_number')],
    ['an unclosed quote', `${header}\n"DAL-1,2026\n`],
    [
      'bytes that are not UTF-8',
      Buffer.concat([Buffer.from(`${header}\n`), Buffer.from([0xff, 0xfe, 0x41])]),
    ],
  ])('%s: the same groups and problems as reading the file whole', async (name, content) => {
    const { streamed, whole } = await both(`${name.replace(/\W+/g, '-')}.csv`, content);
    expect(streamed).toEqual(whole);
  });

  it('sha256File is the hash of the whole content', async () => {
    const file = path.join(dir, 'hash.csv');
    fs.writeFileSync(file, sample);
    expect(await sha256File(file)).toBe(crypto.createHash('sha256').update(sample).digest('hex'));
  });

  it('adjacencyCheck: a key that comes back after another means the groups are not adjacent', () => {
    const a = adjacencyCheck();
    for (const k of ['A', 'A', 'B', 'C']) a.see(k);
    expect(a.adjacent).toBe(true);
    a.see('A');
    expect(a.adjacent).toBe(false);
  });
});
