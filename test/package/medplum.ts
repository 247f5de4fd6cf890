/**
 * Medplum's validator as a second opinion on the package: validation against a profile of the
 * package, the known false errors of Medplum 5.2 (recognised from the profile's slicing, so a new
 * example needs no new entry), and a check of required bindings against the package's own
 * ValueSets, which Medplum collects but does not check.
 */
import { OperationOutcomeError, validateResource, type TypedValueWithPath } from '@medplum/core';
import type {
  Coding,
  CodeableConcept,
  OperationOutcome,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { listValueSetCodes, type PackageDefinitions } from '../../src/package/load.js';

/** validateResource throws on errors and returns warnings otherwise; both become an outcome here. */
export function medplumValidate(resource: Resource, profile: StructureDefinition): OperationOutcome {
  try {
    return { resourceType: 'OperationOutcome', issue: validateResource(resource, { profile }) };
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome;
    throw err;
  }
}

/**
 * Medplum 5.2's known false errors, each with its reason. They concern slice matching: Medplum
 * reports "Incorrect number of values provided for slice" for slices that the instance does fill.
 */
export const MEDPLUM_FALSE_ERRORS = {
  typeDiscriminatorWithPath:
    'A type discriminator with a path (Bundle.entry sliced by the type of resource) is compared with the type of the slice itself (BackboneElement), never with the element at the path, so no entry ever matches.',
  patternThroughRepeatingElement:
    'A value or pattern discriminator whose path reaches a repeating element (Appointment.participant sliced by type, a CodeableConcept that is 0..* in the base resource and so a JSON array) never matches, because Medplum compares the whole list with the single pattern.',
} as const;

export type MedplumFalseError = keyof typeof MEDPLUM_FALSE_ERRORS;

const SLICE_COUNT = /^Incorrect number of values provided for slice '([^']+)'/;

/** The elements of the sliced element and of the named slice, from the profile's snapshot. */
function findSlicing(profile: StructureDefinition, path: string, sliceName: string) {
  const elements = profile.snapshot?.element ?? [];
  const slice = elements.find((e) => e.path === path && e.sliceName === sliceName);
  const sliceId = slice?.id;
  if (!sliceId) return undefined;
  const baseId = sliceId.slice(0, sliceId.lastIndexOf(':'));
  const base = elements.find((e) => e.id === baseId);
  return base?.slicing ? { base, elements } : undefined;
}

/** Why an error of Medplum is a known false error, or undefined if it is a real finding. */
export function classifyMedplumError(
  issue: OperationOutcomeIssue,
  profile: StructureDefinition,
): MedplumFalseError | undefined {
  const sliceName = SLICE_COUNT.exec(issue.details?.text ?? '')?.[1];
  const expression = issue.expression?.[0];
  if (!sliceName || !expression) return undefined;
  const found = findSlicing(profile, expression.replace(/\[\d+\]/g, ''), sliceName);
  if (!found) return undefined;
  for (const d of found.base.slicing?.discriminator ?? []) {
    if (d.path === '$this') continue;
    if (d.type === 'type') return 'typeDiscriminatorWithPath';
    if (d.type === 'pattern' || d.type === 'value') {
      const target = found.elements.find((e) => e.id === `${found.base.id}.${d.path}`);
      if (target && (target.base?.max ?? target.max) !== '1') return 'patternThroughRepeatingElement';
    }
  }
  return undefined;
}

/** Error issues of a Medplum outcome that are not known false errors. */
export function realMedplumErrors(
  outcome: OperationOutcome,
  profile: StructureDefinition,
): OperationOutcomeIssue[] {
  return (outcome.issue ?? []).filter(
    (i) =>
      (i.severity === 'error' || i.severity === 'fatal') && classifyMedplumError(i, profile) === undefined,
  );
}

function codingsOf(token: TypedValueWithPath): { system?: string; code?: string }[] {
  switch (token.type) {
    case 'code':
      return [{ code: String(token.value) }];
    case 'Coding':
      return [token.value as Coding];
    case 'CodeableConcept':
      return (token.value as CodeableConcept).coding ?? [];
    default:
      return [];
  }
}

/**
 * Values of required bindings to the package's own (listable) ValueSets that are not in them.
 * A bare code (type code) matches a code of any system of the ValueSet.
 */
export function requiredBindingViolations(
  resource: Resource,
  profile: StructureDefinition,
  defs: PackageDefinitions,
): string[] {
  const tokens: Record<string, TypedValueWithPath[]> = {};
  try {
    validateResource(resource, { profile, collect: { tokens } });
  } catch {
    // Errors are reported by medplumValidate; here only the collected values matter.
  }
  const out: string[] = [];
  for (const [url, values] of Object.entries(tokens)) {
    const codes = listValueSetCodes(url, defs);
    if (!codes) continue;
    for (const token of values) {
      const ok = codingsOf(token).some((c) =>
        c.system
          ? codes.has(`${c.system}|${c.code ?? ''}`)
          : [...codes].some((k) => k.endsWith(`|${c.code ?? ''}`)),
      );
      if (!ok) out.push(`${token.path}: not in ${url}`);
    }
  }
  return out;
}
