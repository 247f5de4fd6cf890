/**
 * What an EDIFACT writer did not carry, for its report: the resources of the Bundle no segment was
 * written from, and the elements of a resource the subset has no element for, each by FHIRPath
 * (`Bundle.entry[2].resource.address`). Never a value.
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { BundleIndex } from '../../fhir/bundle.js';
import { issue } from '../../fhir/outcomes.js';

/** Elements every resource has that are structure, not content. */
const STRUCTURE = ['resourceType', 'id', 'meta'];

function pathOf(index: BundleIndex, resource: Resource): string {
  const entry = index.entries.find((e) => e.resource === resource);
  return entry ? `Bundle.entry[${entry.index}].resource` : 'Bundle';
}

/** Each resource of the Bundle that is not in `used`, as one issue. */
export function resourcesNotWritten(
  index: BundleIndex,
  used: ReadonlySet<Resource>,
  what: string,
): OperationOutcomeIssue[] {
  return index.entries
    .filter((e) => !used.has(e.resource))
    .map((e) =>
      issue({
        severity: 'information',
        code: 'informational',
        message: `This ${e.resource.resourceType} is not written in the ${what}`,
        expression: `Bundle.entry[${e.index}].resource`,
      }),
    );
}

/** Each element of `resource` outside `written` (and the structure elements), as one issue. */
export function elementsNotWritten(
  index: BundleIndex,
  resource: Resource,
  written: readonly string[],
  what: string,
): OperationOutcomeIssue[] {
  const keys = new Set(Object.keys(resource).map((k) => k.replace(/^_/, '')));
  return [...keys]
    .filter((k) => !STRUCTURE.includes(k) && !written.includes(k))
    .map((k) =>
      issue({
        severity: 'information',
        code: 'informational',
        message: `${resource.resourceType}.${k} is not written in the ${what}`,
        expression: `${pathOf(index, resource)}.${k}`,
      }),
    );
}

/** An element the writer looked at but could not write (a code without a counterpart, ...). */
export function valueNotWritten(message: string, expression: string): OperationOutcomeIssue {
  return issue({ severity: 'information', code: 'informational', message, expression });
}
