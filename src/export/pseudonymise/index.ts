/**
 * Pseudonymisation for regional data platforms (rule R11): per recipient, a declarative policy
 * and a key; one resource in, one resource out. See src/export/README.md.
 */
export { pseudonymise, type PseudonymiseOptions } from './engine.js';
export { codeSystemDisplays } from './displays.js';
export { compilePolicy, parsePolicy, readPolicyFile, type Policy, type Rule } from './policy.js';
export {
  announceSeries,
  assertNoDemoKeys,
  loadKeyRing,
  parseKeyRing,
  policyKey,
  readDemoKeyRing,
  type KeyRing,
  type KeySource,
  type PseudonymKey,
  type SeriesAnnouncement,
} from './keys.js';
export {
  areasOf,
  coarsenAreas,
  countClientsPerArea,
  postcodeArea,
  publishedArea,
  type PostcodeAreas,
  type PostcodeRules,
} from './postcodes.js';
export { PSEUDONYM_SYSTEM } from './pseudonyms.js';
