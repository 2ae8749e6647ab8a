/**
 * Avro for crossdock: how logical types look in JavaScript, decided once, and the Confluent
 * wire framing.
 *
 * Contract (every encode and decode in the hub goes through these types, so a value means the
 * same thing in the router, the sinks, the SDK and the CLI):
 *
 * | Avro                                   | JavaScript value                                          |
 * |----------------------------------------|-----------------------------------------------------------|
 * | `bytes`/`fixed` + `decimal(p, s)`      | exact decimal **string**, e.g. `"1234.50"` (always `s` fraction digits when decoded). Encoding refuses numbers, more than `s` fraction digits (never rounds) and more than `p` digits. |
 * | `long` + `timestamp-millis`            | `Date` when decoded; encoding takes a `Date` or an ISO 8601 string with a zone (`Z` or `±hh:mm`). |
 * | `int` + `date`                         | `'YYYY-MM-DD'` string (a calendar day, no zone).          |
 * | `string` + `uuid`                      | string in 8-4-4-4-12 hex form (checked on encode).         |
 * | `long` (plain)                         | `number`; a value beyond ±(2^53−1) is refused with a clear error on encode and decode, never rounded. |
 *
 * Unions: avsc's default (`wrapUnions: 'auto'`): `["null", T]` reads as `null` or the T value.
 * `toJsonSafe()` turns a decoded event into plain JSON (decimals stay strings, timestamps become ISO
 * 8601 strings), and the types above accept that JSON back, so JSON → encode → decode → JSON is
 * lossless.
 *
 * Framing (Confluent): magic byte 0, 4-byte big-endian schema id, then the Avro binary body.
 */
import avsc from 'avsc';

type Schema = avsc.Schema;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Thrown by the logical types; the message names the value and the rule, for people. */
export class AvroValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AvroValueError';
  }
}

interface DecimalSchema {
  type: 'bytes' | 'fixed';
  precision?: number;
  scale?: number;
  size?: number;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Avro decimal ↔ exact decimal string with the schema's scale. */
class DecimalType extends avsc.types.LogicalType {
  readonly precision: number;
  readonly scale: number;
  private readonly fixedSize: number | undefined;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as unknown as DecimalSchema;
    if (!Number.isInteger(s.precision) || (s.precision ?? 0) < 1)
      throw new Error(`decimal needs an integer precision >= 1, got ${String(s.precision)}`);
    const scale = s.scale ?? 0;
    if (!Number.isInteger(scale) || scale < 0 || scale > (s.precision ?? 0))
      throw new Error(`decimal scale must be 0..precision, got ${String(s.scale)}`);
    this.precision = s.precision as number;
    this.scale = scale;
    this.fixedSize = s.type === 'fixed' ? s.size : undefined;
  }

  protected override _fromValue(buf: Buffer): string {
    let n = 0n;
    for (const byte of buf) n = (n << 8n) | BigInt(byte);
    if (buf.length > 0 && (buf[0]! & 0x80) !== 0) n -= 1n << BigInt(buf.length * 8);
    const neg = n < 0n;
    const digits = (neg ? -n : n).toString().padStart(this.scale + 1, '0');
    const intPart = digits.slice(0, digits.length - this.scale);
    const frac = this.scale > 0 ? '.' + digits.slice(digits.length - this.scale) : '';
    return `${neg ? '-' : ''}${intPart}${frac}`;
  }

  protected override _toValue(value: unknown): Buffer {
    if (typeof value !== 'string') {
      throw new AvroValueError(
        `decimal(${this.precision},${this.scale}) takes an exact decimal string such as "12.50", got ${typeof value} ${String(value)} (floats are refused: they cannot hold money exactly)`,
      );
    }
    const m = DECIMAL_RE.exec(value);
    if (!m)
      throw new AvroValueError(
        `"${value}" is not a decimal number (expected digits with an optional sign and fraction, e.g. "-12.50")`,
      );
    const frac = m[3] ?? '';
    if (frac.length > this.scale) {
      const extra = frac.slice(this.scale);
      if (/[^0]/.test(extra))
        throw new AvroValueError(
          `"${value}" has ${frac.length} fraction digits but the schema's scale is ${this.scale}; crossdock never rounds money`,
        );
    }
    const fracScaled = frac.slice(0, this.scale).padEnd(this.scale, '0');
    const unscaledDigits = (m[2]! + fracScaled).replace(/^0+(?=\d)/, '');
    if (unscaledDigits.replace(/^0+/, '').length > this.precision) {
      throw new AvroValueError(
        `"${value}" has more than ${this.precision} significant digits (decimal(${this.precision},${this.scale}))`,
      );
    }
    // Up to 15 digits the unscaled value is exact as a Number (below 2^53): no BigInt, which costs
    // most of an encoded event's decimals (amounts and prices are far below that).
    if (unscaledDigits.length <= 15) {
      const small = Number(unscaledDigits);
      return smallToTwosComplement(m[1] === '-' ? -small : small, this.fixedSize);
    }
    let n = BigInt(unscaledDigits);
    if (m[1] === '-') n = -n;
    return toTwosComplement(n, this.fixedSize);
  }

  protected override _resolve(writer: avsc.Type): ((v: Buffer) => string) | undefined {
    // Avro spec: two decimals match only when scale and precision match. A changed scale would
    // silently multiply amounts by a power of ten, so it is never resolved.
    // The writer's own _read already yields the decoded string, hence identity.
    if (writer instanceof DecimalType && writer.scale === this.scale && writer.precision === this.precision)
      return (v) => v as unknown as string;
    return undefined;
  }

  protected override _export(schema: Schema): void {
    const attrs = schema as unknown as Record<string, unknown>;
    attrs.precision = this.precision;
    attrs.scale = this.scale;
  }
}

const TWO_32 = 4294967296;

/**
 * toTwosComplement for a safe integer (|n| < 2^53), in Number arithmetic: the same bytes, big-endian,
 * fewest that hold the sign (or exactly `fixedSize`). n splits into a signed high part (|hi| < 2^21)
 * and an unsigned low 32 bits, both exact, so 32-bit shifts read every byte.
 */
function smallToTwosComplement(n: number, fixedSize: number | undefined): Buffer {
  let len = 1;
  for (let limit = 128; n < -limit || n >= limit; limit *= 256) len++;
  if (fixedSize !== undefined) {
    if (len > fixedSize) throw new AvroValueError(`decimal value does not fit in fixed(${fixedSize})`);
    len = fixedSize;
  }
  const hi = Math.floor(n / TWO_32);
  const lo = n - hi * TWO_32;
  const buf = Buffer.allocUnsafe(len);
  for (let k = 0; k < len; k++) {
    // k: the byte's place from the least significant.
    const shift = 8 * (k - 4);
    buf[len - 1 - k] =
      k < 4 ? (lo >>> (8 * k)) & 0xff : shift < 31 ? (hi >> shift) & 0xff : hi < 0 ? 0xff : 0;
  }
  return buf;
}

function toTwosComplement(n: bigint, fixedSize: number | undefined): Buffer {
  let len = 1;
  while (n < -(1n << BigInt(len * 8 - 1)) || n >= 1n << BigInt(len * 8 - 1)) len++;
  if (fixedSize !== undefined) {
    if (len > fixedSize) throw new AvroValueError(`decimal value does not fit in fixed(${fixedSize})`);
    len = fixedSize;
  }
  const buf = Buffer.alloc(len);
  let v = n < 0n ? (1n << BigInt(len * 8)) + n : n;
  for (let i = len - 1; i >= 0; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return buf;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** timestamp-millis ↔ Date (ISO 8601 strings with a zone accepted on encode). */
class TimestampMillisType extends avsc.types.LogicalType {
  protected override _fromValue(ms: number): Date {
    return new Date(ms);
  }

  protected override _toValue(value: unknown): number {
    let ms: number;
    if (value instanceof Date) ms = value.getTime();
    else if (typeof value === 'string' && ISO_WITH_ZONE.test(value)) ms = Date.parse(value);
    else
      throw new AvroValueError(
        `timestamp-millis takes a Date or an ISO 8601 string with a zone, got ${JSON.stringify(value)}`,
      );
    if (!Number.isFinite(ms))
      throw new AvroValueError(`timestamp-millis: ${JSON.stringify(value)} is not a valid instant`);
    return ms;
  }

  protected override _resolve(writer: avsc.Type): ((v: number) => Date) | undefined {
    // A writer of the same logical type has already decoded the value; a plain long has not.
    if (writer instanceof TimestampMillisType) return (v) => v as unknown as Date;
    if (writer.typeName === 'long' || writer.typeName === 'abstract:long') return (v) => this._fromValue(v);
    return undefined;
  }
}

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** date ↔ 'YYYY-MM-DD'. */
class DateType extends avsc.types.LogicalType {
  protected override _fromValue(days: number): string {
    return new Date(days * DAY_MS).toISOString().slice(0, 10);
  }

  protected override _toValue(value: unknown): number {
    const m = typeof value === 'string' ? DATE_RE.exec(value) : null;
    if (!m) throw new AvroValueError(`date takes a 'YYYY-MM-DD' string, got ${JSON.stringify(value)}`);
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (new Date(ms).toISOString().slice(0, 10) !== value)
      throw new AvroValueError(`date: ${value} is not a calendar day`);
    return ms / DAY_MS;
  }

  protected override _resolve(writer: avsc.Type): ((v: number) => string) | undefined {
    if (writer instanceof DateType) return (v) => v as unknown as string;
    if (writer.typeName === 'int') return (v) => this._fromValue(v);
    return undefined;
  }
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** uuid ↔ string (format checked on encode). */
class UuidType extends avsc.types.LogicalType {
  protected override _fromValue(s: string): string {
    return s;
  }

  protected override _toValue(value: unknown): string {
    if (typeof value !== 'string' || !UUID_RE.test(value))
      throw new AvroValueError(
        `uuid takes a string like 6f1c3f0e-2b7a-4c1e-9a57-3d2f5e8b9c10, got ${JSON.stringify(value)}`,
      );
    return value;
  }

  protected override _resolve(writer: avsc.Type): ((v: string) => string) | undefined {
    if (writer instanceof UuidType || writer.typeName === 'string') return (v) => v;
    return undefined;
  }
}

function longOutOfRange(v: unknown): AvroValueError {
  return new AvroValueError(
    `Avro long ${String(v)} is beyond ±(2^53−1) and cannot be held exactly by a JavaScript number; refused instead of rounded`,
  );
}

/**
 * Plain `long`: a JS number, refusing (with a clear message) values JavaScript cannot hold
 * exactly. avsc's own long refuses them too but says only "potential precision loss".
 */
const SAFE_LONG: avsc.Type = avsc.types.LongType.__with({
  fromBuffer(buf: Buffer): number {
    const n = buf.readBigInt64LE(0);
    if (n > MAX_SAFE || n < -MAX_SAFE) throw longOutOfRange(n);
    return Number(n);
  },
  toBuffer(n: unknown): Buffer {
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      if (typeof n === 'number' && Number.isInteger(n)) throw longOutOfRange(n);
      throw new AvroValueError(`Avro long takes an integer number, got ${JSON.stringify(n)}`);
    }
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON(v: unknown): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw longOutOfRange(v);
    return v;
  },
  toJSON(n: number): number {
    return n;
  },
  isValid(n: unknown): boolean {
    return typeof n === 'number' && Number.isSafeInteger(n);
  },
  compare(a: number, b: number): number {
    return a === b ? 0 : a < b ? -1 : 1;
  },
}) as unknown as avsc.Type;

function isPlainLong(schema: unknown): boolean {
  if (schema === 'long') return true;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  const s = schema as { type?: unknown; logicalType?: unknown };
  return s.type === 'long' && s.logicalType === undefined;
}

type AvroOptions = Partial<avsc.ForSchemaOptions>;

/**
 * avsc options with crossdock's logical types. Usable as the confluent-schema-registry client's
 * per-type options (`new SchemaRegistry(args, { [SchemaType.AVRO]: AVRO_OPTIONS })`, which copies
 * them per call). Passing it straight to `avsc.Type.forSchema` would let avsc add a shared
 * `registry` to it: pass `{ ...AVRO_OPTIONS }` or use avroType().
 */
export const AVRO_OPTIONS: AvroOptions = {
  logicalTypes: {
    decimal: DecimalType,
    'timestamp-millis': TimestampMillisType,
    date: DateType,
    uuid: UuidType,
  } as AvroOptions['logicalTypes'],
  // Invalid logical types (a decimal without precision, say) fail loudly instead of silently
  // falling back to bytes; lint relies on it.
  assertLogicalTypes: true,
  typeHook: (schema: unknown) => (isPlainLong(schema) ? SAFE_LONG : undefined),
};

/** The avsc Type of a parsed .avsc JSON (or JSON string), with crossdock's logical types. */
export function avroType(schema: object | string): avsc.Type {
  const parsed = typeof schema === 'string' ? (JSON.parse(schema) as object) : schema;
  return avsc.Type.forSchema(parsed as Schema, { ...AVRO_OPTIONS });
}

/**
 * A decoded event as plain JSON: Dates → ISO 8601 strings, Buffers → base64, bigints → strings;
 * decimal strings, dates and uuids are already strings. For webhooks, CLIs and logs.
 */
export function toJsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJsonSafe(v);
    return out;
  }
  return value;
}

/** Confluent magic byte. */
export const MAGIC_BYTE = 0;
/** Magic byte + 4-byte schema id. */
export const FRAME_HEADER_BYTES = 5;

/** Confluent framing: magic byte 0, schema id (uint32 big-endian), Avro body. */
export function frame(schemaId: number, payload: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff)
    throw new RangeError(`schema id ${schemaId} is not a uint32`);
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

/** Undoes frame(); undefined when the bytes are too short or the magic byte is not 0. */
export function unframe(bytes: Buffer): { schemaId: number; payload: Buffer } | undefined {
  if (!Buffer.isBuffer(bytes) || bytes.length < FRAME_HEADER_BYTES || bytes[0] !== MAGIC_BYTE)
    return undefined;
  return { schemaId: bytes.readUInt32BE(1), payload: bytes.subarray(FRAME_HEADER_BYTES) };
}
