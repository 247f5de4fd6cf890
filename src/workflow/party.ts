/**
 * Who takes part in a Task: organisations named by their AGB or URA identifier (as intake writes
 * Task.requester and Task.owner), and the gateway itself for what no organisation does (a delivery
 * that failed, an escalation by the watchdog).
 */
import type { Identifier, Organization, Reference } from '@medplum/fhirtypes';
import type { Principal } from '../auth/smart.js';
import type { OrganisationType } from '../config/types.js';
import { SYSTEMS } from '../fhir/codes.js';

/** An organisation as the workflow knows it. */
export interface Party {
  identifier: { system: string; value: string };
  display?: string;
  type?: OrganisationType;
  /** The stored reference of the organisation (e.g. `Organization/17`), when it has one. */
  reference?: string;
}

export type Actor = ({ kind: 'organisation' } & Party) | { kind: 'gateway' };

export const GATEWAY: Actor = { kind: 'gateway' };

/** The actor behind an authenticated call: the caller's organisation. */
export function actorFromPrincipal(principal: Principal): Actor {
  const org = principal.organisation;
  return { kind: 'organisation', identifier: org.identifier, display: org.name, type: org.type };
}

/** The Reference written into Task.owner / Task.requester for a party. */
export function partyReference(party: Party): Reference<Organization> {
  return {
    ...(party.reference ? { reference: party.reference } : {}),
    identifier: { system: party.identifier.system, value: party.identifier.value },
    ...(party.display ? { display: party.display } : {}),
  };
}

function sameIdentifier(a: Identifier | undefined, b: { system: string; value: string }): boolean {
  return !!a && a.system === b.system && a.value === b.value;
}

/** Does this reference (Task.owner, EpisodeOfCare.managingOrganization, ...) stand for the actor? */
export function refersTo(ref: Reference | undefined, actor: Actor): boolean {
  if (!ref || actor.kind !== 'organisation') return false;
  if (sameIdentifier(ref.identifier, actor.identifier)) return true;
  return !!actor.reference && ref.reference === actor.reference;
}

/** Do two references stand for the same party (by identifier, or else by literal reference)? */
export function sameParty(a: Reference | undefined, b: Reference | undefined): boolean {
  if (!a || !b) return false;
  if (a.identifier?.system && a.identifier.value) {
    return a.identifier.system === b.identifier?.system && a.identifier.value === b.identifier.value;
  }
  return !!a.reference && a.reference === b.reference;
}

const LABELS: Record<string, string> = { [SYSTEMS.agb]: 'AGB', [SYSTEMS.ura]: 'URA' };

/** "AGB 06001234" - how messages name an organisation (never a person). */
export function describeParty(ref: Reference | undefined): string {
  const id = ref?.identifier;
  if (id?.value) return `${(id.system && LABELS[id.system]) ?? id.system ?? 'identifier'} ${id.value}`;
  return ref?.reference ?? 'unknown';
}

/** A stable key for grouping by organisation (waiting times per receiver). */
export function partyKey(ref: Reference | undefined): string {
  const id = ref?.identifier;
  if (id?.system && id.value) return `${id.system}|${id.value}`;
  return ref?.reference ?? 'unknown';
}
