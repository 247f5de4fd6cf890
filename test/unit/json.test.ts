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

describe('text that is not Unicode', () => {
  it('when a string value holds a lone surrogate escape, then it is a 400 naming the value', () => {
    const f = failure(() => parseJsonText('{"a":[{"b":"x\\ud800y"}]}'));
    expect(f.status).toBe(400);
    expect(f.expression).toBe('a[0].b');
    expect(f.message).toMatch(/surrogate/);
  });

  it('when an array item or a property name holds one, then it is named too', () => {
    expect(failure(() => parseJsonText('{"a":["ok","\\udc00"]}')).expression).toBe('a[1]');
    expect(failure(() => parseJsonText('{"a":{"\\ud83d":1}}')).expression).toBe('a');
  });

  it('when a surrogate pair is escaped, then it is parsed as the character it spells', () => {
    expect(parseJsonText('{"a":"\\ud834\\udd1e"}')).toEqual({ a: '\u{1D11E}' });
  });
});
