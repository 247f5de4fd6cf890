/**
 * One-defect variants of the 55-entry referral Bundle: each breaks one rule of FHIR R4 in one
 * entry, so "checks more" can be shown as which validator notices which defect.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { referralBundle } from './bundles.js';

export interface Defect {
  readonly name: string;
  /** The rule broken, as the specification names it. */
  readonly rule: string;
  readonly bundle: Bundle;
}

type Mutable = Record<string, unknown>;

/** The base Bundle with `change` applied to the first entry of `resourceType` (that `pick` accepts). */
function variant(
  resourceType: string,
  change: (r: Mutable) => void,
  pick: (r: Mutable) => boolean = () => true,
): Bundle {
  const bundle = referralBundle(55);
  const entry = (bundle.entry ?? []).find(
    (e) => e.resource?.resourceType === resourceType && pick(e.resource as unknown as Mutable),
  );
  if (!entry?.resource) throw new Error(`no ${resourceType} in the referral Bundle`);
  change(entry.resource as unknown as Mutable);
  return bundle;
}

function firstOf(bundle: Bundle, resourceType: string): BundleEntry<Resource> | undefined {
  return (bundle.entry ?? []).find((e) => e.resource?.resourceType === resourceType);
}

const isWeight = (r: Mutable): boolean => 'valueQuantity' in r;

export function defects(): Defect[] {
  return [
    {
      name: 'gender "woman"',
      rule: 'required binding (Patient.gender, administrative-gender)',
      bundle: variant('Patient', (r) => void (r.gender = 'woman')),
    },
    {
      name: 'birthDate "12-04-1990"',
      rule: 'primitive format (date)',
      bundle: variant('Patient', (r) => void (r.birthDate = '12-04-1990')),
    },
    {
      name: 'unknown property Patient.sex',
      rule: 'unknown element',
      bundle: variant('Patient', (r) => void (r.sex = 'female')),
    },
    {
      name: 'ServiceRequest without intent',
      rule: 'cardinality 1..1 (ServiceRequest.intent)',
      bundle: variant('ServiceRequest', (r) => void delete r.intent),
    },
    {
      name: 'Quantity with a code but no system',
      rule: 'datatype invariant qty-3',
      bundle: variant('Observation', (r) => void delete (r.valueQuantity as Mutable).system, isWeight),
    },
    {
      name: 'Observation with a value and a dataAbsentReason',
      rule: 'resource invariant obs-6 inside a Bundle',
      bundle: variant(
        'Observation',
        (r) =>
          void (r.dataAbsentReason = {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' }],
          }),
      ),
    },
    {
      name: 'empty section without text',
      rule: 'resource invariant cmp-1 (Composition.section)',
      bundle: variant('Composition', (r) => {
        const sections = r.section as Mutable[];
        const empty = sections.find((s) => !('entry' in s));
        if (empty) delete empty.text;
      }),
    },
    {
      name: 'birthPlace extension with valueString',
      rule: 'extension value type (patient-birthPlace is Address)',
      bundle: variant(
        'Patient',
        (r) =>
          void (r.extension = [
            { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueString: 'Groningen' },
          ]),
      ),
    },
    {
      name: 'Condition.subject pointing at a Practitioner',
      rule: 'reference target type, resolved inside the Bundle',
      bundle: (() => {
        const bundle = referralBundle(55);
        const practitioner = firstOf(bundle, 'Practitioner');
        return withChange(
          bundle,
          'Condition',
          (r) => void (r.subject = { reference: practitioner?.fullUrl ?? '' }),
        );
      })(),
    },
    {
      name: 'two entries with the same fullUrl',
      rule: 'Bundle invariant bdl-7',
      bundle: (() => {
        const bundle = referralBundle(55);
        const [a, b] = [bundle.entry?.[20], bundle.entry?.[21]];
        if (a && b) b.fullUrl = a.fullUrl;
        return bundle;
      })(),
    },
  ];
}

function withChange(bundle: Bundle, resourceType: string, change: (r: Mutable) => void): Bundle {
  const entry = firstOf(bundle, resourceType);
  if (entry?.resource) change(entry.resource as unknown as Mutable);
  return bundle;
}
