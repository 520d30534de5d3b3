/**
 * Building blocks of GitLab `rules:if` expressions (gitlab-facts §1): string literals, regex literals, and/or.
 * GitLab's string lexeme has no escapes (`"(.*?)"` or `'(.*?)'`), so a value containing both quote kinds cannot be
 * written at all; callers get null and refuse. `&&` binds tighter than `||` and old instances differ on
 * unparenthesised mixes, so compound operands are always parenthesised.
 */

/** A string literal for a rules expression, or null when the value holds both `"` and `'`. */
export function stringLiteral(value: string): string | null {
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return null;
}

const RE2_META = /[\\.+*?()|[\]{}^$\/]/g;

/** Escape a literal for an RE2 pattern inside `/…/` (the slash too: GitLab turns `\/` back into `/`). */
export function escapeRegex(literal: string): string {
  return literal.replace(RE2_META, (c) => `\\${c}`);
}

/** Undo escapeRegex on one alternative of a pattern healer wrote. */
export function unescapeRegex(pattern: string): string {
  return pattern.replace(/\\(.)/g, '$1');
}

function isCompound(expr: string): boolean {
  return /&&|\|\|/.test(expr);
}

function wrap(expr: string): string {
  return isCompound(expr) ? `(${expr})` : expr;
}

export function orExpr(parts: string[]): string {
  if (parts.length === 1) return parts[0]!;
  return parts.map(wrap).join(' || ');
}

export function andExpr(parts: string[]): string {
  if (parts.length === 1) return parts[0]!;
  return parts.map(wrap).join(' && ');
}

/** Split `a|b\|c` on the alternation bars that are not escaped. */
export function splitAlternatives(pattern: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      current += c + pattern[i + 1];
      i += 1;
    } else if (c === '|') {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}
