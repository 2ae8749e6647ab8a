import Module from 'node:module';

/**
 * A faster encoder of one Kafka record (v2 record format) for kafkajs's producer, writing the same
 * bytes as kafkajs 2.2.4's own (recordBatch/record/v0).
 *
 * Why: kafkajs builds each record with a new Encoder (a zero-filled 512-byte buffer, grown by
 * doubling and copying for a ~1 KB event), one more Encoder per header (the CloudEvents binding
 * puts about ten on every event), a Buffer per varint and Long arithmetic for the timestamp delta.
 * Under load that allocation was the largest single cost of the HTTP ingest's batched route after
 * its own work (docs/benchmarks.md, Ingest). This one measures the record first and writes it into
 * one buffer of exactly its size.
 *
 * Contract: `fastRecordEncoder(original)` returns an encoder that gives, for every record, an
 * Encoder whose bytes equal `original`'s. It handles the shapes the hub sends — key and value a
 * Buffer, a string, null or absent; headers absent or an object of Buffer or string values, or
 * arrays of them; integer deltas — and hands every other record to `original`, so what kafkajs
 * would do with it (including refusing it) is unchanged. test/unit/core/kafkajs-record-encoder.test.ts
 * compares the two byte for byte.
 *
 * `installRecordEncoder()` puts it into Node's module cache under kafkajs's path before kafkajs's
 * produce request loads the module (core/kafkajs-patch.ts calls it; under jest, jest.config.js maps
 * the module to test/helpers/kafkajs-record-encoder.js). Loaded too late, kafkajs keeps its own:
 * slower, never different on the wire, so nothing refuses to start over it.
 */

const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
const ENCODER_MODULE = 'kafkajs/src/protocol/encoder.js';
const FAST = Symbol.for('crossdock.kafkajs.record.fast');

/** What kafkajs's Encoder is to its callers here: the bytes and how many are used. */
interface EncoderLike {
  buf: Buffer;
  offset: number;
}

export interface RecordInput {
  offsetDelta?: unknown;
  timestampDelta?: unknown;
  key?: unknown;
  value?: unknown;
  headers?: unknown;
}

export type RecordEncoder = ((record: RecordInput) => EncoderLike) & { [FAST]?: true };

/** Deltas up to this size are exact in Number arithmetic, zig-zagged (×2) included. */
const MAX_DELTA = 2 ** 50;

/** Bytes of an unsigned base-128 varint (u ≥ 0, exact integer). */
function uvarintSize(u: number): number {
  let n = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Kafka's zig-zag of a 32-bit int (kafkajs's Encoder.encodeZigZag), as an unsigned number. */
const zigzag32 = (n: number): number => ((n << 1) ^ (n >> 31)) >>> 0;
/** The same for a 64-bit long that is a safe integer below MAX_DELTA in size. */
const zigzag64 = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);

function writeUVarInt(buf: Buffer, at: number, u: number): number {
  while (u >= 128) {
    buf[at++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[at++] = u;
  return at;
}

/** A key, value or header value the fast path writes: null, a Buffer or a string. */
type Bytes = Buffer | string | null;

function isBytes(v: unknown): v is Bytes | undefined {
  return v === undefined || v === null || typeof v === 'string' || Buffer.isBuffer(v);
}

/** Byte length of a value, -1 for null. */
function lengthOf(v: Bytes | undefined): number {
  if (v === undefined || v === null) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

/** Size of a length-prefixed field (kafkajs's sizeOfVarIntBytes). */
function fieldSize(len: number): number {
  return len < 0 ? 1 : uvarintSize(zigzag32(len)) + len;
}

function writeField(buf: Buffer, at: number, v: Bytes | undefined, len: number): number {
  at = writeUVarInt(buf, at, zigzag32(len));
  if (len <= 0) return at;
  if (typeof v === 'string') buf.write(v, at, len, 'utf8');
  else (v as Buffer).copy(buf, at);
  return at + len;
}

/** The header entries in kafkajs's order (an array value gives one entry per element), or undefined if any is not Bytes. */
function headerEntries(headers: object): { names: string[]; values: Array<Buffer | string> } | undefined {
  const names: string[] = [];
  const values: Array<Buffer | string> = [];
  for (const name of Object.keys(headers)) {
    const v = (headers as Record<string, unknown>)[name];
    if (Array.isArray(v)) {
      for (const one of v) {
        if (typeof one !== 'string' && !Buffer.isBuffer(one)) return undefined;
        names.push(name);
        values.push(one);
      }
    } else {
      // kafkajs refuses a null or undefined header value (Buffer.byteLength throws): left to it.
      if (typeof v !== 'string' && !Buffer.isBuffer(v)) return undefined;
      names.push(name);
      values.push(v);
    }
  }
  return { names, values };
}

export function fastRecordEncoder(original: RecordEncoder, encoderProto: object): RecordEncoder {
  if (original[FAST]) return original;
  const encode: RecordEncoder = (record: RecordInput): EncoderLike => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = record;
    if (
      typeof offsetDelta !== 'number' ||
      !Number.isInteger(offsetDelta) ||
      offsetDelta < -(2 ** 31) ||
      offsetDelta >= 2 ** 31 ||
      typeof timestampDelta !== 'number' ||
      !Number.isInteger(timestampDelta) ||
      Math.abs(timestampDelta) >= MAX_DELTA ||
      !isBytes(key) ||
      !isBytes(value) ||
      headers === null ||
      typeof headers !== 'object'
    )
      return original(record);
    const entries = headerEntries(headers);
    if (!entries) return original(record);
    const keyLen = lengthOf(key);
    const valueLen = lengthOf(value);
    const count = entries.names.length;
    const nameLens: number[] = new Array(count);
    const valueLens: number[] = new Array(count);
    let headersSize = uvarintSize(zigzag32(count));
    for (let i = 0; i < count; i++) {
      nameLens[i] = Buffer.byteLength(entries.names[i]!, 'utf8');
      valueLens[i] = lengthOf(entries.values[i]);
      headersSize += fieldSize(nameLens[i]!) + fieldSize(valueLens[i]!);
    }
    const ts = zigzag64(timestampDelta);
    const od = zigzag32(offsetDelta);
    const body =
      1 + uvarintSize(ts) + uvarintSize(od) + fieldSize(keyLen) + fieldSize(valueLen) + headersSize;
    const bodyPrefix = zigzag32(body);
    const total = uvarintSize(bodyPrefix) + body;
    const buf = Buffer.allocUnsafe(total);
    let at = writeUVarInt(buf, 0, bodyPrefix);
    buf[at++] = 0; // attributes: none used
    at = writeUVarInt(buf, at, ts);
    at = writeUVarInt(buf, at, od);
    at = writeField(buf, at, key, keyLen);
    at = writeField(buf, at, value, valueLen);
    at = writeUVarInt(buf, at, zigzag32(count));
    for (let i = 0; i < count; i++) {
      at = writeField(buf, at, entries.names[i], nameLens[i]!);
      at = writeField(buf, at, entries.values[i], valueLens[i]!);
    }
    // kafkajs's callers read `.buffer` (buf up to offset) through Encoder's own methods.
    const out = Object.create(encoderProto) as EncoderLike;
    out.buf = buf;
    out.offset = at;
    return out;
  };
  encode[FAST] = true;
  return encode;
}

/** kafkajs's own record encoder and its Encoder's prototype (for tests and the jest mapping). */
export function kafkajsRecordParts(load: (id: string) => unknown = require): {
  original: RecordEncoder;
  encoderProto: object;
} {
  return {
    original: load(RECORD_MODULE) as RecordEncoder,
    encoderProto: (load(ENCODER_MODULE) as { prototype: object }).prototype,
  };
}

export function installRecordEncoder(): void {
  const path = require.resolve(RECORD_MODULE);
  const cached = require.cache[path];
  if (cached && (cached.exports as RecordEncoder)[FAST]) return;
  const { original, encoderProto } = kafkajsRecordParts();
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = fastRecordEncoder(original, encoderProto);
  require.cache[path] = m;
}
