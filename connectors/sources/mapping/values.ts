/**
 * Value readers for site dialects: dates in token formats, decimals with a comma, ISO currencies.
 * Each returns either { value } or { expected } (what a good value looks like) so the engine can
 * report the problem with its path. Decimals stay exact strings ("1234.50"), never floats.
 */

export type Read<T> = { ok: true; value: T } | { ok: false; expected: string; code?: string };

const TOKEN_RE = /yyyy|MM|dd|HH|mm|ss/g;
const TOKEN_GROUP: Record<string, string> = {
  yyyy: '(\\d{4})',
  MM: '(\\d{1,2})',
  dd: '(\\d{1,2})',
  HH: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
};

interface CompiledFormat {
  re: RegExp;
  tokens: string[];
}
const formatCache = new Map<string, CompiledFormat>();

function compileFormat(format: string): CompiledFormat {
  const cached = formatCache.get(format);
  if (cached) return cached;
  const tokens: string[] = [];
  let src = '';
  let last = 0;
  for (const m of format.matchAll(TOKEN_RE)) {
    src += format.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    src += TOKEN_GROUP[m[0]]!;
    tokens.push(m[0]);
    last = m.index! + m[0].length;
  }
  src += format.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const compiled = { re: new RegExp(`^${src}$`), tokens };
  formatCache.set(format, compiled);
  return compiled;
}

/** Checks that a token format is usable (has yyyy, MM and dd). */
export function isValidFormat(format: string): boolean {
  if (format === 'iso') return true;
  const { tokens } = compileFormat(format);
  return ['yyyy', 'MM', 'dd'].every((t) => tokens.includes(t));
}

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function readParts(text: string, format: string): Parts | undefined {
  const { re, tokens } = compileFormat(format);
  const m = re.exec(text);
  if (!m) return undefined;
  const p: Parts = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  tokens.forEach((t, i) => {
    const n = Number(m[i + 1]);
    if (t === 'yyyy') p.y = n;
    else if (t === 'MM') p.mo = n;
    else if (t === 'dd') p.d = n;
    else if (t === 'HH') p.h = n;
    else if (t === 'mm') p.mi = n;
    else p.s = n;
  });
  return p;
}

/** True when the parts name a real calendar moment (no 31.02., no 25:00). */
function realMoment(p: Parts): boolean {
  if (p.mo < 1 || p.mo > 12 || p.d < 1 || p.h > 23 || p.mi > 59 || p.s > 59) return false;
  const t = new Date(Date.UTC(p.y, p.mo - 1, p.d));
  return t.getUTCFullYear() === p.y && t.getUTCMonth() === p.mo - 1 && t.getUTCDate() === p.d;
}

function offsetMinutes(offset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) return 0;
  const v = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -v : v;
}

export function isValidOffset(offset: string): boolean {
  return /^[+-](0\d|1[0-4]):[0-5]\d$/.test(offset);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A calendar date → 'YYYY-MM-DD' (the Avro `date` logical type's string form). */
export function readDate(text: string, format: string): Read<string> {
  const fmt = format === 'iso' ? 'yyyy-MM-dd' : format;
  const p = readParts(text.trim(), fmt);
  if (!p || !realMoment(p)) return { ok: false, expected: `a real date as ${fmt}` };
  return { ok: true, value: `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}` };
}

const ISO_TS =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** A moment → Date. 'iso' needs an explicit offset (a timestamp without one is ambiguous). */
export function readTimestamp(text: string, format: string, utcOffset: string): Read<Date> {
  const t = text.trim();
  if (format === 'iso') {
    const m = ISO_TS.exec(t);
    if (!m) return { ok: false, expected: 'an ISO 8601 timestamp with offset, e.g. 2026-03-01T14:30:00Z' };
    const p: Parts = { y: +m[1]!, mo: +m[2]!, d: +m[3]!, h: +m[4]!, mi: +m[5]!, s: +(m[6] ?? 0) };
    if (!realMoment(p)) return { ok: false, expected: 'a real date and time (ISO 8601)' };
    const d = new Date(t.replace(' ', 'T'));
    if (Number.isNaN(d.getTime())) return { ok: false, expected: 'an ISO 8601 timestamp with offset' };
    return { ok: true, value: d };
  }
  const p = readParts(t, format);
  if (!p || !realMoment(p))
    return { ok: false, expected: `a real date and time as ${format} (UTC${utcOffset})` };
  const ms = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - offsetMinutes(utcOffset) * 60_000;
  return { ok: true, value: new Date(ms) };
}

/**
 * A decimal → exact string with `scale` places ("1234.5" → "1234.50"). More places than the
 * scale is a problem, not a silent rounding (money must not change on the way in).
 */
export function readDecimal(
  raw: unknown,
  scale: number,
  decimalSeparator: string,
  thousandsSeparator: string,
): Read<string> {
  let text: string;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { ok: false, expected: 'a finite decimal number' };
    text = String(raw);
    if (/e/i.test(text)) return { ok: false, expected: 'a decimal number without exponent' };
  } else if (typeof raw === 'string') {
    text = raw.trim();
    if (thousandsSeparator && text.includes(thousandsSeparator)) {
      // Grouping must be real groups of three ("12.345,60"), so "10.5" in a decimal-comma site is
      // refused instead of silently read as 105.
      if (!groupedCorrectly(text, thousandsSeparator, decimalSeparator))
        return {
          ok: false,
          expected: `a decimal such as ${decimalSeparator === ',' ? `"1${thousandsSeparator}234,50"` : `"1${thousandsSeparator}234.50"`} (groups of three digits)`,
        };
      text = text.split(thousandsSeparator).join('');
    }
    if (decimalSeparator === ',') {
      if (text.includes('.'))
        return {
          ok: false,
          expected: 'a decimal with a decimal comma, e.g. 1234,50',
          code: 'CD_E_INPUT_WRONG_TYPE',
        };
      text = text.replace(',', '.');
    }
  } else {
    return {
      ok: false,
      expected: decimalSeparator === ',' ? 'a decimal such as "1234,50"' : 'a decimal such as 1234.50',
    };
  }
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m)
    return {
      ok: false,
      expected: decimalSeparator === ',' ? 'a decimal such as "1234,50"' : 'a decimal such as 1234.50',
    };
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > scale)
    return { ok: false, expected: `at most ${scale} decimal places`, code: 'CD_E_INPUT_OUT_OF_RANGE' };
  const intPart = m[2]!.replace(/^0+(?=\d)/, '');
  const sign = m[1] === '-' && !/^0+$/.test(intPart + frac) ? '-' : '';
  return {
    ok: true,
    value: scale > 0 ? `${sign}${intPart}.${frac.padEnd(scale, '0')}` : `${sign}${intPart}`,
  };
}

function groupedCorrectly(text: string, sep: string, decimalSeparator: string): boolean {
  const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[+-]?\\d{1,3}(${esc(sep)}\\d{3})+(${esc(decimalSeparator)}\\d+)?$`).test(text);
}

/** Compares an exact decimal string with a bound (quantities, amounts are small: Number is fine for the comparison only). */
export function decimalBelow(value: string, min: number): boolean {
  return Number(value) < min;
}

export function readNumber(
  raw: unknown,
  integer: boolean,
  decimalSeparator: string,
  thousandsSeparator: string,
): Read<number> {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && raw.trim() !== '') {
    let t = raw.trim();
    if (thousandsSeparator && t.includes(thousandsSeparator)) {
      if (!groupedCorrectly(t, thousandsSeparator, decimalSeparator))
        return { ok: false, expected: integer ? 'an integer' : 'a number' };
      t = t.split(thousandsSeparator).join('');
    }
    if (decimalSeparator === ',') t = t.replace(',', '.');
    n = /^[+-]?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
  } else n = NaN;
  if (!Number.isFinite(n)) return { ok: false, expected: integer ? 'an integer' : 'a number' };
  if (integer && !Number.isInteger(n)) return { ok: false, expected: 'an integer' };
  if (integer && !Number.isSafeInteger(n))
    return { ok: false, expected: 'an integer below 2^53', code: 'CD_E_INPUT_OUT_OF_RANGE' };
  return { ok: true, value: n };
}

export function readBoolean(raw: unknown): Read<boolean> {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (typeof raw === 'string') {
    const t = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'y', 'si', 'sí', 'ja', 'oui'].includes(t)) return { ok: true, value: true };
    if (['false', '0', 'no', 'n', 'nein', 'non'].includes(t)) return { ok: true, value: false };
  }
  return { ok: false, expected: 'true or false' };
}

let currencies: Set<string> | undefined;
/** ISO 4217 codes known to the runtime's ICU data (Intl), no hand-kept list. */
export function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}
