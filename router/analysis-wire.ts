import type { IHeaders } from 'kafkajs';
import type { IngressRecord } from './validate';

/**
 * How a fetched batch travels to an analysis worker (router/analysis-pool.ts).
 *
 * kafkajs hands records over as views into the whole fetch response; posting them as they are
 * would copy that response once per batch. Instead the bytes the analysis reads (value, key and
 * header values) are copied back to back into one buffer that is transferred, not cloned, with
 * two integer tables saying where each piece is.
 *
 * Headers: only those the validator reads (VALIDATED_HEADERS) travel, unless `allHeaders` (a
 * route tests headers). A repeated header (an array value) travels as several entries with the
 * same name and comes back as an array; string values come back as Buffers (the validator and
 * the router read both alike).
 */
export interface PackedBatch {
  topic: string;
  partition: number;
  offsets: string[];
  /** Values, keys and header values, back to back. */
  data: Uint8Array;
  /** Per record: value start, value length, key start, key length, first header, header count (length -1: null). */
  records: Int32Array;
  /** Per header entry: name index, start, length. */
  headers: Int32Array;
  names: string[];
}

const RECORD_INTS = 6;
const HEADER_INTS = 3;

function byteLength(v: Buffer | string): number {
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

function eachHeaderValue(
  headers: IHeaders | undefined,
  allHeaders: boolean,
  only: ReadonlySet<string>,
  fn: (name: string, value: Buffer | string) => void,
): void {
  for (const name in headers) {
    if (!allHeaders && !only.has(name)) continue;
    const v = headers[name];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const one of v) if (one !== undefined && one !== null) fn(name, one);
    } else fn(name, v);
  }
}

/** Records of one topic-partition → a PackedBatch (send `data.buffer`, `records.buffer`, `headers.buffer` as transfers). */
export function packBatch(
  records: readonly IngressRecord[],
  allHeaders: boolean,
  only: ReadonlySet<string>,
): PackedBatch {
  let bytes = 0;
  let headerCount = 0;
  for (const r of records) {
    bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
    eachHeaderValue(r.headers, allHeaders, only, (_n, v) => {
      bytes += byteLength(v);
      headerCount++;
    });
  }
  const data = Buffer.allocUnsafeSlow(bytes);
  const table = new Int32Array(records.length * RECORD_INTS);
  const headerTable = new Int32Array(headerCount * HEADER_INTS);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const offsets: string[] = new Array(records.length);
  let pos = 0;
  let h = 0;
  const put = (b: Buffer | null): void => {
    if (b === null) return;
    b.copy(data, pos);
    pos += b.length;
  };
  records.forEach((r, i) => {
    const at = i * RECORD_INTS;
    offsets[i] = r.offset;
    table[at] = pos;
    table[at + 1] = r.value === null ? -1 : r.value.length;
    put(r.value);
    table[at + 2] = pos;
    table[at + 3] = r.key === null ? -1 : r.key.length;
    put(r.key);
    table[at + 4] = h;
    eachHeaderValue(r.headers, allHeaders, only, (name, v) => {
      let n = nameIndex.get(name);
      if (n === undefined) {
        n = names.length;
        names.push(name);
        nameIndex.set(name, n);
      }
      const len = typeof v === 'string' ? data.write(v, pos) : v.copy(data, pos);
      headerTable[h * HEADER_INTS] = n;
      headerTable[h * HEADER_INTS + 1] = pos;
      headerTable[h * HEADER_INTS + 2] = len;
      pos += len;
      h++;
    });
    table[at + 5] = h - table[at + 4]!;
  });
  return {
    topic: records[0]?.topic ?? '',
    partition: records[0]?.partition ?? 0,
    offsets,
    data,
    records: table,
    headers: headerTable,
    names,
  };
}

/** The receiving side: IngressRecords whose buffers are views into `packed.data`. */
export function unpackBatch(packed: PackedBatch): IngressRecord[] {
  const data = Buffer.from(packed.data.buffer, packed.data.byteOffset, packed.data.byteLength);
  const t = packed.records;
  const ht = packed.headers;
  const slice = (start: number, len: number): Buffer | null =>
    len < 0 ? null : data.subarray(start, start + len);
  const out: IngressRecord[] = new Array(packed.offsets.length);
  for (let i = 0; i < out.length; i++) {
    const at = i * RECORD_INTS;
    const first = t[at + 4]!;
    const count = t[at + 5]!;
    let headers: IHeaders | undefined;
    if (count > 0) {
      headers = {};
      for (let h = first; h < first + count; h++) {
        const name = packed.names[ht[h * HEADER_INTS]!]!;
        const value = data.subarray(
          ht[h * HEADER_INTS + 1]!,
          ht[h * HEADER_INTS + 1]! + ht[h * HEADER_INTS + 2]!,
        );
        const prev = headers[name];
        if (prev === undefined) headers[name] = value;
        else headers[name] = Array.isArray(prev) ? [...prev, value] : [prev as Buffer, value];
      }
    }
    out[i] = {
      topic: packed.topic,
      partition: packed.partition,
      offset: packed.offsets[i]!,
      value: slice(t[at]!, t[at + 1]!),
      key: slice(t[at + 2]!, t[at + 3]!),
      ...(headers ? { headers } : {}),
    };
  }
  return out;
}
