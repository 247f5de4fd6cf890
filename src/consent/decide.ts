/**
 * What may leave the client record for a recipient, as a pure decision over the client's Consent
 * resources (profile ov-consent, purposes of sharing-purpose):
 * - between care providers (a GP's targeted referral to GGZ, GGZ to GGZ), treatment-relevant data
 *   goes along on implied consent (Wgbo, https://wetten.overheid.nl/BWBR0005290) unless the client
 *   refused: an active Consent that denies `treatment-referral`;
 * - anything from or to the social domain needs the client's explicit consent: an active permit for
 *   `social-domain` with the signed form or a verification (ov-consent-1), for this recipient.
 * A Consent with status `rejected` is a refusal, `inactive` a withdrawal: neither permits.
 */
import type { Consent, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import { SYSTEMS } from '../fhir/codes.js';
import { isRecord } from '../fhir/records.js';
import type { OrganisationType } from '../config/types.js';
import type { Domain } from '../record/types.js';

export type Purpose = 'treatment-referral' | 'social-domain';

export type WithheldReason = 'no-explicit-consent' | 'consent-refused' | 'consent-withdrawn';

export type Decision =
  | { allowed: true; basis: 'implied-consent-referral' | 'explicit-consent'; consent?: string }
  | { allowed: false; reason: WithheldReason; consent?: string };

/** Who receives: its organisation type (from the configuration) and identifier. */
export interface Recipient {
  type: OrganisationType | undefined;
  identifier: Identifier;
}

export interface ConsentContext {
  consents: readonly Consent[];
  /** Resolves an Organization reference of a Consent (the record's own entries). */
  resolve(reference: string): Resource | undefined;
  now: Date;
}

const SOCIAL: ReadonlySet<string> = new Set(['social-domain-organisation', 'municipality']);

export function isSocialDomain(type: OrganisationType | undefined): boolean {
  return type !== undefined && SOCIAL.has(type);
}

export const WITHHELD_TEXT: Record<WithheldReason, string> = {
  'no-explicit-consent': 'no explicit consent of the client for the social domain',
  'consent-refused': 'the client refused consent',
  'consent-withdrawn': 'the client withdrew consent',
};

/** Whether data of `domain` may go to `to` (sent by `from`, when the sender is known). */
export function decide(
  domain: Domain,
  to: Recipient,
  from: OrganisationType | undefined,
  ctx: ConsentContext,
): Decision {
  const social = domain === 'social-domain' || isSocialDomain(to.type) || isSocialDomain(from);
  const purpose: Purpose = social ? 'social-domain' : 'treatment-referral';
  const relevant = ctx.consents
    .filter((c) => hasPurpose(c, purpose) && forRecipient(c, to, ctx))
    .sort((a, b) => (b.dateTime ?? '').localeCompare(a.dateTime ?? ''));
  const newest = relevant[0];
  const ref = newest?.id ? `Consent/${newest.id}` : undefined;
  const withRef = <T extends object>(d: T): T & { consent?: string } => (ref ? { ...d, consent: ref } : d);
  if (newest && (newest.status === 'rejected' || isDeny(newest)))
    return withRef({ allowed: false, reason: 'consent-refused' });
  if (newest && newest.status === 'inactive') return withRef({ allowed: false, reason: 'consent-withdrawn' });
  const permit = newest && newest.status === 'active' && inPeriod(newest, ctx.now) ? newest : undefined;
  if (!social)
    return permit
      ? withRef({ allowed: true, basis: 'implied-consent-referral' })
      : { allowed: true, basis: 'implied-consent-referral' };
  if (permit && isExplicit(permit)) return withRef({ allowed: true, basis: 'explicit-consent' });
  return withRef({ allowed: false, reason: 'no-explicit-consent' });
}

/**
 * The objects of a list in a stored Consent. A Consent that restricts sharing is kept even when it
 * breaks a FHIR rule (src/record/import.ts), so a list may be of another JSON type or hold nulls.
 */
function items<T extends object>(list: readonly T[] | undefined): readonly T[] {
  return Array.isArray(list) ? list.filter((x): x is T => isRecord(x)) : [];
}

function hasPurpose(c: Consent, purpose: Purpose): boolean {
  return items(c.provision?.purpose).some((p) => p.system === SYSTEMS.sharingPurpose && p.code === purpose);
}

function isDeny(c: Consent): boolean {
  return c.provision?.type === 'deny';
}

/** A refusal (status rejected, or a provision that denies) or a withdrawal (inactive): no permit. */
export function restrictsSharing(c: Consent): boolean {
  return c.status === 'rejected' || c.status === 'inactive' || isDeny(c);
}

/** ov-consent-1: the signed form, a reference to it, or a verification with the client. */
function isExplicit(c: Consent): boolean {
  return (
    c.sourceAttachment !== undefined ||
    c.sourceReference !== undefined ||
    items(c.verification).some((v) => v.verified)
  );
}

function inPeriod(c: Consent, now: Date): boolean {
  const p = c.provision?.period;
  const t = now.getTime();
  if (p?.start && Date.parse(p.start) > t) return false;
  if (p?.end && Date.parse(p.end) < t) return false;
  return true;
}

/** A Consent without recipients covers anyone; otherwise one actor must be the recipient. */
function forRecipient(c: Consent, to: Recipient, ctx: ConsentContext): boolean {
  const actors = items(c.provision?.actor);
  if (actors.length === 0) return true;
  return actors.some((a) => sameOrganisation(a.reference, to.identifier, ctx));
}

function sameOrganisation(ref: Reference | undefined, id: Identifier, ctx: ConsentContext): boolean {
  if (!ref) return false;
  if (ref.identifier) return ref.identifier.system === id.system && ref.identifier.value === id.value;
  const target = ref.reference ? ctx.resolve(ref.reference) : undefined;
  if (target?.resourceType !== 'Organization') return true; // cannot tell: the recipient named is not held
  return items(target.identifier).some((i) => i.system === id.system && i.value === id.value);
}
