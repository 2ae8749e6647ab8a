import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { applyMapping, type MappedRecord, type SourcePath } from '../mapping/engine';
import { isArraySpec, type EventMapping, type SiteMappings } from '../mapping/types';

/** Which events a site's CSV files hold (encoding and delimiter are in the site dialect). */
export interface CsvSettings {
  /** Which of the site's mappings the files hold. @defaultValue the site's only mapping, else the first with `groupBy` */
  eventType?: string;
}

export interface CsvProblem {
  path: string;
  row?: number;
  column?: string;
  code: string;
  expected: string;
  got: string;
}

export interface CsvGroup {
  /** The groupBy value (or the row number when rows are not grouped). */
  key: string;
  /** 1-based data row numbers (the header is row 0) of the rows in this group. */
  rows: number[];
  mapped: MappedRecord;
  locate: (source: SourcePath) => { path: string; row?: number; column?: string };
}

export const problemAt = (
  row: number | undefined,
  column: string | undefined,
  code: string,
  expected: string,
  got: string,
): CsvProblem => ({
  path: `${row !== undefined ? `row ${row}` : 'file'}${column ? `, column ${column}` : ''}`,
  ...(row !== undefined ? { row } : {}),
  ...(column ? { column } : {}),
  code,
  expected,
  got,
});

function decode(content: Buffer, encoding: 'utf8' | 'latin1'): string | CsvProblem {
  if (encoding === 'latin1') return iconv.decode(content, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    const at = content.findIndex((b) => b >= 0x80);
    return problemAt(
      undefined,
      undefined,
      'CD_E_CSV_BAD_ENCODING',
      'UTF-8 text (the site is configured for utf8)',
      `bytes that are not UTF-8 near byte ${at}`,
    );
  }
}

export function csvMapping(site: SiteMappings, settings: CsvSettings): EventMapping | undefined {
  const all = Object.values(site.mappings);
  if (settings.eventType) return site.mappings[settings.eventType];
  return all.length === 1 ? all[0] : (all.find((m) => m.groupBy) ?? all[0]);
}

/** Columns a mapping reads (top-level `from` and `_rows` element fields), and which are required. */
export function columnsOf(mapping: EventMapping): Array<{ column: string; required: boolean }> {
  const out: Array<{ column: string; required: boolean }> = [];
  const add = (
    from: string | undefined,
    spec: { required?: boolean; nullable?: boolean; default?: unknown },
  ) => {
    if (from && !out.some((c) => c.column === from))
      out.push({
        column: from,
        required: spec.required !== false && !spec.nullable && spec.default === undefined,
      });
  };
  for (const s of [mapping.occurredAt, mapping.sourceId, mapping.correlationId]) if (s) add(s.from, s);
  for (const spec of Object.values(mapping.fields)) {
    if (isArraySpec(spec)) for (const sub of Object.values(spec.fields)) add(sub.from, sub);
    else add(spec.from, spec);
  }
  if (mapping.groupBy) add(mapping.groupBy, {});
  return out;
}

/**
 * Parses a CSV file (quotes, embedded newlines, BOM, the site's encoding) and maps it: rows
 * grouped into events, every problem located by row and column. Pure: no I/O.
 */
export function csvRecords(
  site: SiteMappings,
  content: Buffer,
  settings: CsvSettings,
): { groups: CsvGroup[]; problems: CsvProblem[]; mapping?: EventMapping } {
  const mapping = csvMapping(site, settings);
  if (!mapping)
    return {
      groups: [],
      problems: [
        problemAt(
          undefined,
          undefined,
          'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
          `one of ${Object.keys(site.mappings).join(', ')}`,
          settings.eventType ?? 'nothing',
        ),
      ],
    };
  const text = decode(content, site.dialect.encoding);
  if (typeof text !== 'string') return { groups: [], problems: [text], mapping };
  let rows: string[][];
  try {
    rows = parse(text, {
      bom: true,
      delimiter: site.dialect.delimiter,
      relax_column_count: false,
      skip_empty_lines: true,
      trim: false,
    }) as string[][];
  } catch (err) {
    const e = err as Error & { lines?: number; code?: string };
    return {
      groups: [],
      problems: [
        problemAt(
          undefined,
          undefined,
          'CD_E_CSV_PARSE',
          'a well-formed CSV file (closed quotes, same column count on every row)',
          `${e.code ?? 'error'}: ${e.message.split('\n')[0]}`,
        ),
      ],
      mapping,
    };
  }
  const header = (rows.shift() ?? []).map((h) => h.trim());
  if (rows.length === 0)
    return {
      groups: [],
      problems: [
        problemAt(
          undefined,
          undefined,
          'CD_E_CSV_EMPTY',
          'a header and at least one data row',
          header.length ? 'a header only' : 'an empty file',
        ),
      ],
      mapping,
    };
  const missing = headerProblems(site, mapping, header);
  if (missing.length) return { groups: [], problems: missing, mapping };
  const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
  const byKey = new Map<string, number[]>();
  records.forEach((rec, i) => {
    const key = mapping.groupBy ? String(rec[mapping.groupBy] ?? '').trim() : String(i + 1);
    const list = byKey.get(key) ?? [];
    list.push(i);
    byKey.set(key, list);
  });
  const groups: CsvGroup[] = [];
  for (const [key, idx] of byKey)
    groups.push(
      csvGroup(
        site,
        mapping,
        key,
        idx.map((i) => records[i]!),
        idx.map((i) => i + 1),
      ),
    );
  return { groups, problems: [], mapping };
}

/** The columns the mapping needs that the header lacks (CD_E_CSV_BAD_HEADER, one per column). */
export function headerProblems(site: SiteMappings, mapping: EventMapping, header: string[]): CsvProblem[] {
  return columnsOf(mapping)
    .filter((c) => c.required && !header.includes(c.column))
    .map((c) =>
      problemAt(
        0,
        c.column,
        'CD_E_CSV_BAD_HEADER',
        `a column named ${c.column}`,
        `header ${header.join(site.dialect.delimiter)}`,
      ),
    );
}

/** One event's rows mapped (the first row's fields, every row in `_rows`), problems located by row. */
export function csvGroup(
  site: SiteMappings,
  mapping: EventMapping,
  key: string,
  records: Array<Record<string, string>>,
  rowNumbers: number[],
): CsvGroup {
  const record = { ...records[0]!, _rows: records };
  return {
    key,
    rows: rowNumbers,
    mapped: applyMapping(site, mapping, record),
    locate: (source) => {
      if (source[0] === '_rows' && typeof source[1] === 'number') {
        const row = rowNumbers[source[1]];
        const column = source.slice(2).join('.') || undefined;
        return problemAt(row, column, '', '', '');
      }
      const column = source.join('.') || undefined;
      return problemAt(rowNumbers[0], column, '', '', '');
    },
  };
}
