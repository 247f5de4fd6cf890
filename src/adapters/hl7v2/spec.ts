/**
 * The declarative HL7 v2 mapping (mappings/hl7v2/*.yaml): its TypeScript shape, and the source
 * locations its rules read (`PID-5`, `MSH-9.2`) with the datatype each holds. The JSON Schema
 * and the semantic checks of a spec are in spec-schema.ts.
 */
import type { FieldCondition, RequiredPath } from '../spec-parts.js';
import type { ConverterName } from './convert.js';
import type { Hl7Structure } from './structure.js';

/** Holds when the field (any repetition) has one of the values, none of them, or any value. */
export type Condition = FieldCondition;

interface RuleBase {
  /** Element path in the resource: `birthDate`, `name[]` (append), `reaction[0].severity`, `extension[url=...].valueString`. */
  target: string;
  when?: Condition[];
  /** Constants set beside the value (relative to the object that receives it) when a value was written. */
  with?: Record<string, unknown>;
}

export interface SourceRule extends RuleBase {
  /** `PID-5`, `MSH-9.2`; a segment other than the rule's own means its first occurrence. */
  source: string;
  as: ConverterName;
  conceptMap?: string;
  /** Coding system name (HL7 table 0396) assumed when a coded value names none, e.g. `HL70001`. */
  table?: string;
  /** For CodeableConcept with a conceptMap: keep the source coding, the translation, or both. */
  output?: 'both' | 'source' | 'translation';
  /** ConceptMap equivalences accepted for a translation added to a CodeableConcept. */
  accept?: string[];
  /** Used when the source is empty or untranslatable; `{ channel: key }` takes it from the channel configuration. */
  default?: string | { channel: string };
  /** Default `use` (HumanName, ContactPoint, Address) when the source names none. */
  use?: string;
  /** ObservationValue: where the value type (OBX-2) and the units (OBX-6) stand. */
  typeFrom?: string;
  unitFrom?: string;
}

export interface ValueRule extends RuleBase {
  value: unknown;
}

/** A value the channel configuration supplies (a source format without that field); its absence is reported. */
export interface ChannelRule extends RuleBase {
  channel: string;
  /** Writes a CodeableConcept with this system (else the bare value). */
  system?: string;
}

export type FieldRule = SourceRule | ValueRule | ChannelRule;

export function isSourceRule(r: FieldRule): r is SourceRule {
  return 'source' in r;
}

export function isChannelRule(r: FieldRule): r is ChannelRule {
  return 'channel' in r;
}

export interface ReferenceRule {
  target: string;
  /** Rule names, in order of preference: the first that produced a resource is referenced. */
  to: string[];
  /**
   * message: any resource of the rule; segment: made from the same segment; children: made from
   * segments this segment owns (OBX under OBR); default message.
   */
  scope?: 'message' | 'segment' | 'children';
  /** Reference every resource found (target must append, `[]`), not only the first. */
  all?: boolean;
  /** Reference.type, for slicing by type (ServiceRequest.supportingInfo). */
  type?: string;
  /** Keep only resources whose code is in this value set (needs the context's terminology). */
  valueSet?: string;
}

export interface ResourceRule {
  name: string;
  resourceType: string;
  segment: string;
  occurs?: 'first' | 'each';
  when?: Condition[];
  /** Made only when another resource references it (a fallback); otherwise its fields stay unmapped. */
  lazy?: boolean;
  profile?: string;
  fixed?: Record<string, unknown>;
  fields?: FieldRule[];
  references?: ReferenceRule[];
  /** Elements the resource cannot do without; without them the record is dropped and reported. */
  require?: RequiredPath[];
}

export interface ElementRule {
  name: string;
  segment: string;
  target: string;
  /** Rule whose resource receives the element, by the segment that owns this one (see groups). */
  owners: Record<string, string>;
  fallback?: string;
  fields: FieldRule[];
}

export interface IdentifierSystemRule {
  system: string;
  /** Assigning authority namespace (CX.4.1, HD.1), universal id (CX.4.2), identifier type (CX.5, PLN.2). */
  namespaces?: string[];
  oids?: string[];
  typeCodes?: string[];
  check?: 'bsn' | 'agb';
}

export interface SummarySpec {
  rule: string;
  sections: Record<string, { title: string; from?: string[]; valueSet?: string }>;
  emptyReason: string;
  /** Narrative of a section the source cannot fill; `{trigger}` is the message type. */
  emptyText: string;
}

export interface Hl7v2Spec {
  format: 'hl7v2';
  title: string;
  accept: { messageTypes: string[]; versions: string[] };
  /** Fields read for the structure, not for data (they choose the mapping, or order entries). */
  structural: { source: string; reason: string }[];
  codingSystems: Record<string, string>;
  identifierSystems: IdentifierSystemRule[];
  /** Who owns a segment: the nearest earlier parent, passing only the listed segments. */
  groups: Record<string, { parents: string[]; skipping?: string[] }>;
  resources: ResourceRule[];
  elements: ElementRule[];
  bundle: { rule: string; header: string; focus: string; required: { rule: string; message: string }[] };
  summary: SummarySpec;
}

export interface ParsedSource {
  segment: string;
  field: number;
  component?: number;
}

const parsedSources = new Map<string, ParsedSource>();

/** `PID-5`, `MSH-9.2`: segment, field and component (each distinct source parsed once). */
export function parseSource(source: string): ParsedSource {
  let parsed = parsedSources.get(source);
  if (!parsed) {
    const [seg = '', rest = ''] = source.split('-');
    const [field, component] = rest.split('.').map(Number);
    parsed = { segment: seg, field: field ?? 0, component };
    parsedSources.set(source, parsed);
  }
  return parsed;
}

/** The datatype a source location holds: the field's, or the component's when one is addressed. */
export function sourceType(structure: Hl7Structure, src: ParsedSource): string | undefined {
  const fieldType = structure.fieldType(src.segment, src.field);
  if (src.component === undefined) return fieldType;
  return structure.componentType(fieldType, src.component) ?? 'ST';
}
