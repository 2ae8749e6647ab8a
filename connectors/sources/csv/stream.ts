import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { SiteMappings } from '../mapping/types';
import {
  csvGroup,
  csvMapping,
  headerProblems,
  problemAt,
  type CsvGroup,
  type CsvProblem,
  type CsvSettings,
} from './parse';

/** sha256 of a file, read as a stream (the drop folder's identity of a file). */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Strict UTF-8 decoding of a byte stream; a bad sequence fails with the byte offset near it. */
class Utf8Decode extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private offset = 0;
  constructor() {
    super({ decodeStrings: true, readableObjectMode: false });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      const text = this.decoder.decode(chunk, { stream: true });
      this.offset += chunk.length;
      done(null, text);
    } catch {
      const at = chunk.findIndex((b) => b >= 0x80);
      done(new BadEncoding(this.offset + Math.max(0, at)));
    }
  }
  override _flush(done: TransformCallback): void {
    try {
      done(null, this.decoder.decode());
    } catch {
      done(new BadEncoding(this.offset));
    }
  }
}

class BadEncoding extends Error {
  constructor(readonly at: number) {
    super(`bytes that are not UTF-8 near byte ${at}`);
  }
}

/** One item of a streamed CSV file: an event's rows, or a problem that ends the file. */
export type CsvStreamItem = { group: CsvGroup } | { fatal: CsvProblem };

/**
 * Reads a CSV file as a stream and yields its events one group at a time, in file order, with the
 * same parsing, grouping and problems as `csvRecords` (parse.ts), holding only the rows of the
 * current group: a group ends when its `groupBy` value changes. Files whose groups are not
 * adjacent (a key that comes back after another) cannot be grouped that way: `adjacentGroups`
 * says whether the file's groups are adjacent (check it with one pass before relying on the
 * grouping); for such a file the caller falls back to reading it whole.
 */
export async function* streamCsvGroups(
  site: SiteMappings,
  file: string,
  settings: CsvSettings,
): AsyncGenerator<CsvStreamItem> {
  const mapping = csvMapping(site, settings);
  if (!mapping) {
    yield {
      fatal: problemAt(
        undefined,
        undefined,
        'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
        `one of ${Object.keys(site.mappings).join(', ')}`,
        settings.eventType ?? 'nothing',
      ),
    };
    return;
  }
  const decoder = site.dialect.encoding === 'latin1' ? iconv.decodeStream('latin1') : new Utf8Decode();
  // pipeline (not pipe): an error of any stage (a bad byte, an unreadable file) ends the rows.
  const rows = pipeline(
    fs.createReadStream(file),
    decoder,
    parse({
      bom: true,
      delimiter: site.dialect.delimiter,
      relax_column_count: false,
      skip_empty_lines: true,
      trim: false,
    }),
    () => undefined,
  );
  let header: string[] | undefined;
  let current: { key: string; records: Array<Record<string, string>>; rows: number[] } | undefined;
  let row = 0;
  const close = () => {
    const c = current!;
    current = undefined;
    return { group: csvGroup(site, mapping, c.key, c.records, c.rows) };
  };
  try {
    for await (const r of rows as AsyncIterable<string[]>) {
      if (!header) {
        header = r.map((h) => h.trim());
        continue;
      }
      if (row === 0) {
        // Checked at the first data row: a file with a header only is "empty", as in csvRecords.
        const missing = headerProblems(site, mapping, header);
        if (missing.length) {
          rows.destroy();
          for (const p of missing) yield { fatal: p };
          return;
        }
      }
      row++;
      const h = header;
      const rec = Object.fromEntries(h.map((name, i) => [name, r[i] ?? '']));
      const key = mapping.groupBy ? String(rec[mapping.groupBy] ?? '').trim() : String(row);
      if (current && current.key !== key) yield close();
      current ??= { key, records: [], rows: [] };
      current.records.push(rec);
      current.rows.push(row);
    }
  } catch (err) {
    rows.destroy();
    if (err instanceof BadEncoding || (err as { cause?: unknown }).cause instanceof BadEncoding) {
      const at = err instanceof BadEncoding ? err.at : ((err as { cause: BadEncoding }).cause.at ?? 0);
      yield {
        fatal: problemAt(
          undefined,
          undefined,
          'CD_E_CSV_BAD_ENCODING',
          'UTF-8 text (the site is configured for utf8)',
          `bytes that are not UTF-8 near byte ${at}`,
        ),
      };
      return;
    }
    const e = err as Error & { code?: string };
    yield {
      fatal: problemAt(
        undefined,
        undefined,
        'CD_E_CSV_PARSE',
        'a well-formed CSV file (closed quotes, same column count on every row)',
        `${e.code ?? 'error'}: ${e.message.split('\n')[0]}`,
      ),
    };
    return;
  }
  if (current) yield close();
  if (row === 0)
    yield {
      fatal: problemAt(
        undefined,
        undefined,
        'CD_E_CSV_EMPTY',
        'a header and at least one data row',
        header?.length ? 'a header only' : 'an empty file',
      ),
    };
}

/**
 * Tells, group by group, whether a file's groups are adjacent (a key never comes back after
 * another): feed it each group's key in file order; it keeps only the keys already closed.
 */
export function adjacencyCheck(): { see(key: string): void; readonly adjacent: boolean } {
  const closed = new Set<string>();
  let last: string | undefined;
  let adjacent = true;
  return {
    see(key) {
      if (last !== undefined && key !== last) closed.add(last);
      if (closed.has(key)) adjacent = false;
      last = key;
    },
    get adjacent() {
      return adjacent;
    },
  };
}

/** The groups of a file read whole (csvRecords) as stream items: for files whose groups are not adjacent. */
export async function* wholeFileGroups(parsed: {
  groups: CsvGroup[];
  problems: CsvProblem[];
}): AsyncGenerator<CsvStreamItem> {
  for (const p of parsed.problems) yield { fatal: p };
  for (const g of parsed.groups) yield { group: g };
}
