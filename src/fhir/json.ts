/**
 * Safe parsing of FHIR JSON from untrusted bytes: strict UTF-8, bounded nesting and array sizes,
 * no prototype-polluting keys, and every failure as an OperationOutcome naming where it is.
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
  checkShape(value, limits);
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

/** Iterative walk (no recursion, so no stack overflow on hostile depth). */
function checkShape(root: unknown, limits: JsonLimits): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > limits.maxDepth) throw structural(`JSON nested deeper than ${limits.maxDepth} levels`, path);
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        throw structural(
          `Array with ${value.length} items; at most ${limits.maxArrayLength} are accepted`,
          path,
        );
      }
      for (let i = 0; i < value.length; i++) {
        stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
      }
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys) throw structural(`Object with ${keys.length} properties`, path);
    for (const key of keys) {
      const child = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) throw structural(`Property name '${key}' is not allowed`, child);
      stack.push({ value: (value as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
}

function structural(message: string, path?: string): OperationOutcomeError {
  return new OperationOutcomeError(
    outcome([issue({ severity: 'error', code: 'structure', message, expression: path || undefined })]),
    400,
  );
}
