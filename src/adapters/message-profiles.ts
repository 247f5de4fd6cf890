/** Which profiles an adapter's output claims: only referral messages have a message profile yet. */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { PROFILES, SYSTEMS } from '../fhir/codes.js';

export function isReferralMessage(output: Bundle | Resource[]): boolean {
  if (Array.isArray(output)) return false;
  const header = output.entry?.[0]?.resource;
  return (
    header?.resourceType === 'MessageHeader' &&
    header.eventCoding?.system === SYSTEMS.messageEvent &&
    header.eventCoding.code === 'referral'
  );
}

/** The profiles to validate an output against: the referral message profile, or none (a cancellation). */
export function messageProfilesFor(output: Bundle | Resource[]): string[] {
  return isReferralMessage(output) ? [PROFILES.referralMessage] : [];
}
