/**
 * The BSN (burgerservicenummer) check, the one the whole project applies: nine digits whose
 * weighted sum (weights 9..2, then -1 for the last digit) is divisible by 11, the "elfproef".
 * All zeros passes that sum but is no BSN. A leading zero is allowed (a BSN is a string, never a
 * number). Spec: https://www.rvig.nl/bsn and docs/artefacts.md (Dutch identifier systems).
 */

const NINE_DIGITS = /^[0-9]{9}$/;

export function isValidBsn(value: string): boolean {
  if (!NINE_DIGITS.test(value) || value === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(value[i]) * (9 - i);
  sum -= Number(value[8]);
  return sum % 11 === 0;
}
