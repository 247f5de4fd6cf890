import { describe, expect, it } from 'vitest';
import { isValidBsn } from '../../src/fhir/bsn.js';

describe('the BSN 11-check', () => {
  it.each([
    ['999999990', 'the test BSN of the 9999 series'],
    ['111222333', 'a BSN whose last digit is subtracted (weight -1)'],
    ['012345672', 'a BSN with a leading zero'],
  ])('when the value is %s (%s), then it is a BSN', (value) => {
    expect(isValidBsn(value)).toBe(true);
  });

  it.each([
    ['000000000', 'all zeros, whose weighted sum is 0'],
    ['12345672', 'eight digits (a leading zero dropped, as a number would)'],
    ['0123456720', 'ten digits'],
    ['01234567a', 'a letter'],
    ['012 345 672', 'spaces'],
    ['-12345672', 'a sign'],
    ['０１２３４５６７２', 'full-width digits'],
    ['012345673', 'nine digits failing the check'],
    ['999999999', 'nine nines (sum 396 - 9, not a multiple of 11)'],
    ['', 'the empty string'],
  ])('when the value is %j (%s), then it is no BSN', (value) => {
    expect(isValidBsn(value)).toBe(false);
  });
});
