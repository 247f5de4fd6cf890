/**
 * Safe parsing of FHIR JSON from untrusted bytes: strict UTF-8, bounded nesting and array sizes,
 * no prototype-polluting keys, text that is Unicode (no lone surrogate, which valid UTF-8 cannot
 * carry but a `\uD800` escape can, and which PostgreSQL refuses to store), and every failure as an
 * OperationOutcome naming where it is.
 * Used by the gateway, the CLI and the adapters alike.
 */
import { issue, outcome, OperationOutcomeError } from './outcomes.js';

export interface JsonLimits {
  /** Deepest nesting of objects and arrays accepted. */
  maxDepth: number;
  /** Longest array accepted. */
  maxArrayLength: number;
  /** Most object keys in one object. */
  maxKeys: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxArrayLength: 200_000, maxKeys: 10_000 };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** A JSON escape of a UTF-16 surrogate: only then can parsed strings hold a lone one. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Parses bytes as FHIR JSON; throws an OperationOutcomeError (status 400) on any problem. */
export function parseJsonBytes(bytes: Uint8Array, limits: JsonLimits = DEFAULT_JSON_LIMITS): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw structural('The body is not valid UTF-8 text');
  }
  return parseJsonText(text, limits);
}

export function parseJsonText(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw structural(`The body is not valid JSON: ${jsonErrorPosition(err)}`);
  }
  checkShape(value, limits, !text.isWellFormed() || SURROGATE_ESCAPE.test(text));
  return value;
}

function jsonErrorPosition(err: unknown): string {
  if (err instanceof RangeError) return 'nested too deeply';
  if (err instanceof SyntaxError) {
    // V8 messages name the token and position but may quote input; keep only the position.
    const m = /position (\d+)/.exec(err.message);
    return m ? `syntax error at position ${m[1]}` : 'syntax error';
  }
  return 'unreadable';
}

/** An object or array met in the walk, with how it was reached (its path is built only for an error). */
interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

function pathOf(frame: Frame, child?: string): string {
  const keys: (string | number)[] = child === undefined ? [] : [child];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) keys.push(f.key);
  let path = '';
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i] as string | number;
    path = typeof k === 'number' ? `${path}[${String(k)}]` : path ? `${path}.${k}` : k;
  }
  return path;
}

function notUnicode(path: string): OperationOutcomeError {
  return structural('Text that is not valid Unicode (a lone UTF-16 surrogate)', path || undefined);
}

/**
 * Iterative walk (no recursion, so no stack overflow on hostile depth) over objects and arrays
 * only; nothing is allocated for primitive values. With `strings`, property names and string
 * values are checked to be well-formed Unicode too.
 */
function checkShape(root: unknown, limits: JsonLimits, strings = false): void {
  if (typeof root === 'string' && strings && !root.isWellFormed()) throw notUnicode('');
  if (root === null || typeof root !== 'object') return;
  const stack: Frame[] = [{ value: root, depth: 0, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    const { value, depth } = frame;
    if (depth > limits.maxDepth)
      throw structural(`JSON nested deeper than ${limits.maxDepth} levels`, pathOf(frame));
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        throw structural(
          `Array with ${value.length} items; at most ${limits.maxArrayLength} are accepted`,
          pathOf(frame),
        );
      }
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (v !== null && typeof v === 'object')
          stack.push({ value: v, depth: depth + 1, parent: frame, key: i });
        else if (strings && typeof v === 'string' && !v.isWellFormed())
          throw notUnicode(`${pathOf(frame)}[${String(i)}]`);
      }
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys)
      throw structural(`Object with ${keys.length} properties`, pathOf(frame));
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key))
        throw structural(`Property name '${key}' is not allowed`, pathOf(frame, key));
      if (strings && !key.isWellFormed()) throw notUnicode(pathOf(frame));
      const v = (value as Record<string, unknown>)[key];
      if (v !== null && typeof v === 'object') stack.push({ value: v, depth: depth + 1, parent: frame, key });
      else if (strings && typeof v === 'string' && !v.isWellFormed()) throw notUnicode(pathOf(frame, key));
    }
  }
}

function structural(message: string, path?: string): OperationOutcomeError {
  return new OperationOutcomeError(
    outcome([issue({ severity: 'error', code: 'structure', message, expression: path || undefined })]),
    400,
  );
}
