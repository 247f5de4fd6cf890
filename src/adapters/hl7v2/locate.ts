/**
 * Locations in an HL7 v2 message, written the way integrators read them: `PID-11.3` (field 11,
 * component 3), `PID-3[2].1` (second repetition), `NK1[1]-2.1` (first NK1), `PID-5.1.2`
 * (subcomponent 2). A segment that may repeat in the message structure always carries its
 * occurrence; a repetition, component or subcomponent index is written only when the source has
 * more than one at that level, so the location mirrors what the sender actually sent.
 */
import type { Hl7Field, Hl7Segment } from './types.js';

export interface SegmentNaming {
  /** Whether the message structure allows the segment more than once (NK1, DG1, OBX, ...). */
  repeatable(name: string): boolean;
}

export function segmentLocation(naming: SegmentNaming, seg: Pick<Hl7Segment, 'name' | 'occurrence'>): string {
  return naming.repeatable(seg.name) || seg.occurrence > 1 ? `${seg.name}[${seg.occurrence}]` : seg.name;
}

export function fieldLocation(
  naming: SegmentNaming,
  seg: Pick<Hl7Segment, 'name' | 'occurrence'>,
  field: number,
): string {
  return `${segmentLocation(naming, seg)}-${field}`;
}

/** The path of locations from the segment down to one leaf (see SourceLeaf.path). */
export function leafPath(
  naming: SegmentNaming,
  seg: Hl7Segment,
  field: number,
  rep: number,
  comp: number,
  sub: number,
): string[] {
  const value: Hl7Field | undefined = seg.fields[field];
  const segLoc = segmentLocation(naming, seg);
  const fieldLoc = `${segLoc}-${field}`;
  const repLoc = (value?.length ?? 0) > 1 ? `${fieldLoc}[${rep}]` : fieldLoc;
  const repetition = value?.[rep - 1] ?? [];
  const component = repetition[comp - 1] ?? [];
  const compLoc = repetition.length > 1 || component.length > 1 ? `${repLoc}.${comp}` : repLoc;
  const subLoc = component.length > 1 ? `${compLoc}.${sub}` : compLoc;
  return [segLoc, fieldLoc, repLoc, compLoc, subLoc];
}

export function leafKey(seg: Hl7Segment, field: number, rep: number, comp: number, sub: number): string {
  return `${seg.position}|${field}|${rep}|${comp}|${sub}`;
}
