/**
 * "Did you mean …": the allowed name nearest to a misspelled one. Case is ignored; a candidate
 * counts only when its edit distance (Levenshtein) is at most max(2, ⌊length / divisor⌋), so a
 * short name gets two typos and a long one proportionally more, and an unrelated name gets none.
 */
export function nearestName(name: string, allowed: Iterable<string>, divisor = 3): string | undefined {
  let best: { s: string; d: number } | undefined;
  for (const s of allowed) {
    const d = editDistance(name.toLowerCase(), s.toLowerCase());
    if (!best || d < best.d) best = { s, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / divisor)) ? best.s : undefined;
}

/** Levenshtein distance between two strings (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}
