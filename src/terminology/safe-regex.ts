/**
 * Regular expressions that arrive with data (a Questionnaire's regex extension, a ValueSet's regex
 * filter) run in JavaScript's backtracking engine, where a pattern with a quantified group that
 * itself contains a quantifier (`(a+)+`) or a back-reference can take exponential time. Such
 * patterns are refused; the caller reports that the rule was not applied. The check is a
 * conservative heuristic: it refuses some safe patterns (`([a-z]+\.)*`) and does not catch
 * every slow one (overlapping alternatives such as `(a|aa)+`).
 */

/** The pattern anchored to the whole value, or undefined when it is invalid or unsafe to run. */
export function safeRegex(pattern: string, flags = ''): RegExp | undefined {
  if (pattern.length > 1000 || /\\[1-9]|\\k</.test(pattern) || hasNestedQuantifier(pattern)) return undefined;
  try {
    return new RegExp(`^(?:${pattern})$`, flags);
  } catch {
    return undefined;
  }
}

/** A group that contains a quantifier and is itself followed by one. */
export function hasNestedQuantifier(pattern: string): boolean {
  const groups: boolean[] = [];
  let quantifiedInside = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '[') {
      // Skip a character class: quantifier characters inside it are literals.
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      continue;
    }
    if (ch === '(') {
      groups.push(quantifiedInside);
      quantifiedInside = false;
    } else if (ch === ')') {
      const inner: boolean = quantifiedInside;
      quantifiedInside = groups.pop() ?? false;
      const next = pattern[i + 1];
      const quantified = next === '+' || next === '*' || next === '{' || next === '?';
      if (inner && quantified && next !== '?') return true;
      quantifiedInside = quantifiedInside || inner || quantified;
    } else if (ch === '+' || ch === '*' || ch === '{') {
      quantifiedInside = true;
    }
  }
  return false;
}
