/**
 * Event-type globs: `*` matches within one dot-separated segment, `**` across segments, every
 * other character is literal. Compiled to an anchored RegExp once per pattern (no eval).
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^.]*';
    } else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function isGlob(pattern: string): boolean {
  return pattern.includes('*');
}
