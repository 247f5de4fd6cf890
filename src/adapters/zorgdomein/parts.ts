/**
 * The parts of a referral message found in a ZorgDomein document: the Composition (which becomes
 * the summary), the patient, the referral (the document's ServiceRequest, else a new one), the
 * sending organisation and the receiving one (the document's, else the channel's).
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { type SummarySection, SYSTEMS } from '../../fhir/codes.js';
import { recordError } from '../framework.js';
import { uuidFor } from '../ids.js';
import { type Entry, isOut, type Out, REFERRAL, refTarget, type Run } from './run.js';
import type { SectionTarget } from './spec.js';

export interface Parts {
  composition: Entry;
  summary: Out;
  referral: Out;
  patient: Entry;
  sender: Entry;
  /** The receiving organisation: an entry of the document, or one the channel describes. */
  receiver: { ref: string; channelOrganization?: Out };
  /** Narrative texts per target, from the document's sections. */
  texts: Map<SectionTarget, string[]>;
  /** Empty reasons the document gives for summary sections. */
  emptyReasons: Map<SummarySection, Out>;
  /** Reason entries (Conditions of the reason section). */
  reasons: string[];
}

export type Found = Parts | { problem: OperationOutcomeIssue };

export function connect(run: Run): Found {
  const composition = run.entries[0];
  const patient = run.entries.find((e) => e.type === 'Patient');
  if (!composition?.out || !patient?.outId) {
    return {
      problem: recordError(
        {
          location: run.doc.base,
          message: 'The document has no Composition or Patient this mapping can read',
        },
        'required',
      ),
    };
  }
  const summary = composition.out;
  const sourceReferral = run.entries.find((e) => e.type === REFERRAL && e.out);
  const referral: Out = sourceReferral?.out ?? {
    resourceType: REFERRAL,
    id: uuidFor(run.idBase, 'referral'),
    ...structuredClone(run.spec.resources[REFERRAL]?.fixed ?? {}),
  };
  if (!sourceReferral && run.spec.resources[REFERRAL]?.profile)
    referral.meta = { profile: [run.spec.resources[REFERRAL]?.profile] };
  const sender = senderOf(run, composition);
  if (!sender) {
    return {
      problem: recordError(
        {
          location: `${composition.location}.custodian`,
          message:
            'The document names no sending organisation (Composition.custodian, or the organisation of its author)',
        },
        'required',
      ),
    };
  }
  const receiver = receiverOf(run, referral);
  if (!receiver) {
    return {
      problem: recordError(
        {
          location: `${run.doc.base}.entry`,
          message:
            'The document names no receiving organisation (ServiceRequest.performer) and the channel configuration sets none',
        },
        'required',
      ),
    };
  }
  return {
    composition,
    summary,
    referral,
    patient,
    sender,
    receiver,
    texts: new Map(),
    emptyReasons: new Map(),
    reasons: [],
  };
}

/** The custodian; else the organisation of the first author that has one. */
function senderOf(run: Run, composition: Entry): Entry | undefined {
  const custodian = refTarget(run, composition.resource.custodian);
  if (custodian?.type === 'Organization' && custodian.outId) return custodian;
  const authors = Array.isArray(composition.resource.author) ? composition.resource.author : [];
  for (const a of authors) {
    const author = refTarget(run, a);
    if (author?.type === 'Organization' && author.outId) return author;
    const org =
      author?.type === 'PractitionerRole' ? refTarget(run, author.resource.organization) : undefined;
    if (org?.type === 'Organization' && org.outId) return org;
  }
  return undefined;
}

/** The first performer that is an Organization of the document; else the channel's receiver. */
function receiverOf(run: Run, referral: Out): Parts['receiver'] | undefined {
  const performers = Array.isArray(referral.performer) ? referral.performer.filter(isOut) : [];
  const org = performers.find((p) => run.byUrn.get(String(p.reference))?.type === 'Organization');
  if (org && typeof org.reference === 'string') return { ref: org.reference };
  const channel = run.ctx.channel ?? {};
  const agb = channel.receiverOrganizationAgb;
  if (!agb) return undefined;
  const id = uuidFor(run.idBase, 'receiver');
  const organization: Out = {
    resourceType: 'Organization',
    id,
    meta: { profile: ['https://overdracht.dev/fhir/StructureDefinition/ov-organization'] },
    identifier: [{ system: SYSTEMS.agb, value: agb }],
    active: true,
    name: channel.receiverOrganizationName ?? 'Ontvangende organisatie',
  };
  return { ref: `urn:uuid:${id}`, channelOrganization: organization };
}
