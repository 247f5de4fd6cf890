/**
 * Rules of overdracht on Dutch identifiers, applied to every Identifier wherever it occurs:
 * a BSN must pass the 11-check, an AGB code is 8 digits. Messages never repeat the value (a BSN is
 * personal data).
 *
 * Spec: docs/artefacts.md (Dutch identifier systems); the BSN 11-check is src/fhir/bsn.ts.
 */
import { isValidBsn } from '../../fhir/bsn.js';
import type { Severity } from '../../fhir/outcomes.js';

export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
export const AGB_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/agb-z';

const EIGHT_DIGITS = /^[0-9]{8}$/;

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
