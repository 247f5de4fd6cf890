/**
 * A complete referral message from the demo GP practice (AGB 01004567, gp-de-linde) to the demo
 * GGZ institution (AGB 06001234, ggz-noord), valid against ov-referral-message, built fresh for
 * each test so that a test can break one field of it.
 */
import type { AllergyIntolerance, Bundle, Coverage, Organization, Resource } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../src/fhir/codes.js';
import {
  DEMO_GGZ,
  DEMO_GP,
  referralMessage as build,
  type ReferralOptions as BuildOptions,
} from '../../src/demo/referral.js';

export interface ReferralOptions extends Omit<BuildOptions, 'receiver'> {
  senderAgb?: string;
  receiverAgb?: string;
  /** A receiver by its full identifier (e.g. the URA of a social team). */
  receiver?: BuildOptions['receiver'];
  /** Further entries for the message, given the client's reference (its `urn:uuid:` fullUrl). */
  extraEntries?: (patient: string) => (Resource & { id: string })[];
}

export function referralMessage(opts: ReferralOptions = {}): Bundle {
  const { senderAgb, receiverAgb, receiver, extraEntries, ...rest } = opts;
  const bundle = build({
    ...rest,
    sender: rest.sender ?? (senderAgb ? { ...DEMO_GP, system: SYSTEMS.agb, value: senderAgb } : DEMO_GP),
    receiver: receiver ?? (receiverAgb ? { ...DEMO_GGZ, value: receiverAgb } : DEMO_GGZ),
  });
  const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.fullUrl ?? '';
  for (const resource of extraEntries?.(patient) ?? [])
    bundle.entry?.push({ fullUrl: `urn:uuid:${resource.id}`, resource });
  return bundle;
}

/** The UZOVI number of the fictional insurer of `insuranceAndAllergy`. */
export const INSURER_UZOVI = { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '9999' };

const IDS = {
  insurer: '3f1c6a2e-0000-4000-8000-0000000000c1',
  coverage: '3f1c6a2e-0000-4000-8000-0000000000c2',
  allergy: '3f1c6a2e-0000-4000-8000-0000000000c3',
} as const;

/**
 * The client's insurance (as HL7 v2 IN1 brings it: the insurer, the policy number) and one
 * allergy (AL1), as `extraEntries` of a referral. The tag makes each run's values distinct.
 */
export function insuranceAndAllergy(tag: string): (patient: string) => (Resource & { id: string })[] {
  return (patient) => {
    const insurer: Organization & { id: string } = {
      resourceType: 'Organization',
      id: IDS.insurer,
      identifier: [INSURER_UZOVI],
      name: 'Zorgverzekeraar Noord',
    };
    const coverage: Coverage & { id: string } = {
      resourceType: 'Coverage',
      id: IDS.coverage,
      identifier: [{ system: 'https://his.example.nl/fhir/NamingSystem/polis', value: `POL-${tag}` }],
      status: 'active',
      beneficiary: { reference: patient },
      payor: [{ reference: `urn:uuid:${IDS.insurer}` }],
    };
    const allergy: AllergyIntolerance & { id: string } = {
      resourceType: 'AllergyIntolerance',
      id: IDS.allergy,
      identifier: [{ system: 'https://his.example.nl/fhir/NamingSystem/allergie', value: `AL-${tag}` }],
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
        ],
      },
      verificationStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
            code: 'confirmed',
          },
        ],
      },
      category: ['medication'],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '764146007', display: 'Penicillin' }] },
      patient: { reference: patient },
      recordedDate: '2024-06-12',
    };
    return [insurer, coverage, allergy];
  };
}
