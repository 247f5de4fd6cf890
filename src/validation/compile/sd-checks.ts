/**
 * Rules for a StructureDefinition being validated as an instance (as opposed to used as a
 * profile): its snapshot must be derivable from its differential, and slicing discriminator paths
 * must name something inside the sliced element.
 *
 * Spec: https://hl7.org/fhir/R4/structuredefinition.html#invs, https://hl7.org/fhir/R4/profiling.html#discriminator
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import type { Severity } from '../../fhir/outcomes.js';
import { parseDiscriminatorPath } from './slicing.js';
import { generateSnapshot } from './snapshot.js';

export type SdReport = (severity: Severity, message: string, relPath: string) => void;
type Resolve = (url: string) => StructureDefinition | undefined;

const FHIR_SD = 'http://hl7.org/fhir/StructureDefinition/';

export function checkStructureDefinition(sd: StructureDefinition, resolve: Resolve, report: SdReport): void {
  const diff = sd.differential?.element ?? [];
  const base = sd.baseDefinition ? resolve(sd.baseDefinition) : undefined;
  if (diff.length > 0 && !sd.snapshot?.element?.length && base && sd.derivation !== 'specialization') {
    const result = generateSnapshot(sd, base, resolve);
    if ('error' in result) report('error', `Error generating snapshot: ${result.error}`, '');
  }
  const baseElements = base?.snapshot?.element ?? [];
  diff.forEach((e, i) => {
    const slicing = e.slicing;
    if (!slicing?.discriminator) return;
    const types = typesOf(e, sd.snapshot?.element ?? [], baseElements);
    slicing.discriminator.forEach((d, j) => {
      if (!d.path || discriminatorFits(d.path, types, resolve)) return;
      report(
        'error',
        `The discriminator path '${d.path}' does not appear to be valid for the element that is being sliced '${e.path ?? ''}'`,
        `.differential.element[${i}].slicing.discriminator[${j}]`,
      );
    });
  });
}

/** The types of a differential element: its own, else those of the same path in the snapshot or base. */
function typesOf(
  e: ElementDefinition,
  snapshot: readonly ElementDefinition[],
  base: readonly ElementDefinition[],
): string[] {
  const own = (e.type ?? []).map((t) => t.code ?? '');
  if (own.length > 0) return own;
  const path = e.path ?? '';
  const found =
    snapshot.find((x) => x.path === path && !x.sliceName) ??
    base.find((x) => x.path === path && !x.sliceName);
  return (found?.type ?? []).map((t) => t.code ?? '');
}

/** Whether the first step of a discriminator path exists in (one of) the sliced element's types. */
function discriminatorFits(path: string, types: readonly string[], resolve: Resolve): boolean {
  const segs = parseDiscriminatorPath(path);
  const first = segs?.[0];
  if (!segs || !first || types.length === 0) return true;
  if (first.kind !== 'name') return true;
  return types.some((t) => {
    const elements = resolve(t.includes(':') ? t : FHIR_SD + t)?.snapshot?.element;
    if (!elements) return true;
    const root = elements[0]?.path ?? t;
    return elements.some((x) => x.path === `${root}.${first.name}` || x.path === `${root}.${first.name}[x]`);
  });
}
