/**
 * Rules of overdracht on Dutch identifiers, applied to every Identifier wherever it occurs:
 * a BSN must pass the 11-check, an AGB code is 8 digits. Messages never repeat the value (a BSN is
 * personal data).
 *
 * Spec: docs/artefacts.md (Dutch identifier systems); BSN 11-check:
 * https://www.rvig.nl/bsn (elfproef, weights 9..2 and -1)
 */
import type { Severity } from '../../fhir/outcomes.js';

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const AGB_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/agb-z';

const NINE_DIGITS = /^[0-9]{9}$/;
const EIGHT_DIGITS = /^[0-9]{8}$/;

/** The 11-check of a BSN: sum of digit * weight (9..2, then -1 for the last) divisible by 11. */
export function isValidBsn(value: string): boolean {
  if (!NINE_DIGITS.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(value[i]) * (9 - i);
  sum -= Number(value[8]);
  return sum % 11 === 0 && value !== '000000000';
}

export type IdentifierReport = (
  severity: Severity,
  message: string,
  relPath: string,
  detailCode: string,
) => void;

export function checkIdentifierRules(identifier: Record<string, unknown>, report: IdentifierReport): void {
  const { system, value } = identifier;
  if (typeof system !== 'string' || typeof value !== 'string') return;
  if (system === BSN_SYSTEM && !isValidBsn(value)) {
    report(
      'error',
      'A BSN must be 9 digits and pass the 11-check (elfproef); this value does not',
      '',
      'bsn-1',
    );
  } else if (system === AGB_SYSTEM && !EIGHT_DIGITS.test(value)) {
    report('error', 'An AGB code must be exactly 8 digits', '', 'agb-1');
  }
}
