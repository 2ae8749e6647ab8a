/**
 * How the sites' own systems write dates and numbers (the dialects of sites/<id>/mapping.yaml):
 * local times in a fixed UTC offset with `yyyy MM dd HH mm ss` tokens, and decimals with a
 * site's separators.
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `at` as the site's clock shows it in `utcOffset` (`-06:00`), written with `pattern`. */
export function localTime(at: Date, pattern: string, utcOffset: string): string {
  const m = /^([+-])(\d\d):(\d\d)$/.exec(utcOffset);
  if (!m) throw new Error(`not a UTC offset: ${utcOffset}`);
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  const d = new Date(at.getTime() + minutes * 60_000);
  return pattern
    .replace('yyyy', String(d.getUTCFullYear()))
    .replace('MM', pad(d.getUTCMonth() + 1))
    .replace('dd', pad(d.getUTCDate()))
    .replace('HH', pad(d.getUTCHours()))
    .replace('mm', pad(d.getUTCMinutes()))
    .replace('ss', pad(d.getUTCSeconds()));
}

/** A canonical ISO day (`2026-03-04`) written with `pattern`. */
export function localDay(isoDay: string, pattern: string): string {
  const [y, mo, d] = isoDay.split('-');
  return pattern.replace('yyyy', y!).replace('MM', mo!).replace('dd', d!);
}

/** A canonical decimal string (`1234.50`) with the site's decimal and thousands separators. */
export function localDecimal(value: string, decimal: '.' | ',', thousands: '' | '.' | ',' = ''): string {
  const negative = value.startsWith('-');
  const [int = '0', frac] = (negative ? value.slice(1) : value).split('.');
  const grouped = thousands ? int.replace(/\B(?=(\d{3})+(?!\d))/g, thousands) : int;
  return `${negative ? '-' : ''}${grouped}${frac !== undefined ? decimal + frac : ''}`;
}

/** A day that does not exist, written like `pattern` (31 February): a site's date bug. */
export function impossibleDay(pattern: string, year: number): string {
  return pattern.replace('yyyy', String(year)).replace('MM', '02').replace('dd', '31');
}
