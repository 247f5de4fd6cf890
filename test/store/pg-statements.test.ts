/**
 * The server driver names parameterised statements, so each connection parses and plans a
 * statement once; past the limit, statements run unnamed.
 */
import { describe, expect, it } from 'vitest';
import { StatementNames } from '../../src/store/pg-driver.js';

describe('StatementNames', () => {
  it('when the same text comes again, then it gets the same name', () => {
    const names = new StatementNames();
    const a = names.nameFor('SELECT $1', [1]);
    expect(a).toBeDefined();
    expect(names.nameFor('SELECT $1', [2])).toBe(a);
    expect(names.nameFor('SELECT $1, $2', [1, 2])).not.toBe(a);
  });

  it('when a statement has no parameters, then it runs unnamed', () => {
    expect(new StatementNames().nameFor('BEGIN', [])).toBeUndefined();
  });

  it('when the limit is reached, then known texts keep their names and new ones run unnamed', () => {
    const names = new StatementNames(2);
    const a = names.nameFor('SELECT $1', [1]);
    names.nameFor('SELECT $1 + 1', [1]);
    expect(names.nameFor('SELECT $1 + 2', [1])).toBeUndefined();
    expect(names.nameFor('SELECT $1', [1])).toBe(a);
  });
});
