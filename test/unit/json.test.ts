import { describe, expect, it } from 'vitest';
import { parseJsonBytes, parseJsonText } from '../../src/fhir/json.js';
import { OperationOutcomeError } from '../../src/fhir/outcomes.js';

function failure(fn: () => unknown): { status?: number; expression?: string; message?: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      const first = err.outcome.issue?.[0];
      return { status: err.status, expression: first?.expression?.[0], message: first?.diagnostics };
    }
    throw err;
  }
  throw new Error('expected a failure');
}

describe('parseJsonBytes', () => {
  it('when the body is valid JSON, then it is parsed', () => {
    expect(parseJsonBytes(new TextEncoder().encode('{"resourceType":"Patient"}'))).toEqual({
      resourceType: 'Patient',
    });
  });

  it('when the body is not UTF-8, then it is a 400 saying so', () => {
    const f = failure(() => parseJsonBytes(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
    expect(f.status).toBe(400);
    expect(f.message).toMatch(/UTF-8/);
  });

  it('when the JSON is malformed, then the message gives a position but no content', () => {
    const f = failure(() => parseJsonText('{"name": "Jansen", }'));
    expect(f.status).toBe(400);
    expect(f.message).not.toContain('Jansen');
  });

  it('when a key is __proto__, then it is refused with its path', () => {
    const f = failure(() => parseJsonText('{"resourceType":"Patient","name":[{"__proto__":{"x":1}}]}'));
    expect(f.expression).toBe('name[0].__proto__');
  });

  it('when nesting is deeper than the limit, then it is refused', () => {
    const deep = '['.repeat(100) + ']'.repeat(100);
    expect(failure(() => parseJsonText(deep)).message).toMatch(/nested deeper/);
  });

  it('when nesting is hostile (100k levels), then it is refused without a crash', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(failure(() => parseJsonText(deep)).status).toBe(400);
  });

  it('when an array is longer than the limit, then it is refused with its path', () => {
    const f = failure(() =>
      parseJsonText(JSON.stringify({ a: new Array(11).fill(0) }), {
        maxDepth: 5,
        maxArrayLength: 10,
        maxKeys: 10,
      }),
    );
    expect(f.expression).toBe('a');
  });
});
