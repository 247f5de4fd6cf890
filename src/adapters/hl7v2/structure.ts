/**
 * The HL7 v2 structure dictionary (mappings/hl7v2/structure.yaml): segment and field names,
 * field datatypes, component names. It answers three questions: may a segment repeat (for
 * locations), what datatype a field has (to pick and check converters), and what a location is
 * called (for a report an integrator can read without the standard at hand).
 */
import { loadSpecFile, type SpecSchema } from '../spec-loader.js';
import type { SegmentNaming } from './locate.js';

export interface SegmentDefinition {
  description: string;
  repeatable: boolean;
  /** [datatype, name], field 1 first; name "-" marks a withdrawn field. */
  fields?: [string, string][];
  formerNames?: Record<string, string>;
}

export interface StructureFile {
  segments: Record<string, SegmentDefinition>;
  datatypes: Record<string, string[]>;
}

const structureSchema: SpecSchema<StructureFile> = {
  schema: {
    type: 'object',
    required: ['segments', 'datatypes'],
    additionalProperties: false,
    properties: {
      segments: {
        type: 'object',
        propertyNames: { pattern: '^[A-Z][A-Z0-9]{2}$' },
        additionalProperties: {
          type: 'object',
          required: ['description', 'repeatable'],
          additionalProperties: false,
          properties: {
            description: { type: 'string' },
            repeatable: { type: 'boolean' },
            fields: {
              type: 'array',
              items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            },
            formerNames: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
      datatypes: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    },
  },
};

/** Composite datatypes whose components are themselves composites (subcomponents), by component. */
const NESTED: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  XPN: { 1: 'FN' },
  XCN: { 2: 'FN', 9: 'HD' },
  XAD: { 1: 'SAD' },
  CX: { 4: 'HD', 6: 'HD' },
  XON: { 6: 'HD', 8: 'HD' },
  PL: { 4: 'HD', 11: 'HD' },
  EIP: { 1: 'EI', 2: 'EI' },
  NDL: { 1: 'XCN' },
  CQ: { 2: 'CWE' },
  CP: { 1: 'MO', 5: 'CWE' },
};

const LOCATION = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?$/;

export class Hl7Structure implements SegmentNaming {
  constructor(private readonly file: StructureFile) {}

  static load(path: string): Hl7Structure {
    return new Hl7Structure(loadSpecFile(path, structureSchema));
  }

  /** Segments the dictionary does not know (Z-segments included) may repeat. */
  repeatable(name: string): boolean {
    return this.file.segments[name]?.repeatable ?? true;
  }

  knows(name: string): boolean {
    return name in this.file.segments;
  }

  fieldType(segment: string, field: number): string | undefined {
    return this.file.segments[segment]?.fields?.[field - 1]?.[0];
  }

  fieldName(segment: string, field: number): string | undefined {
    const def = this.file.segments[segment];
    const name = def?.fields?.[field - 1]?.[1];
    if (name && name !== '-') return name;
    return def?.formerNames?.[String(field)];
  }

  componentName(datatype: string | undefined, component: number): string | undefined {
    return datatype ? this.file.datatypes[datatype]?.[component - 1] : undefined;
  }

  componentType(datatype: string | undefined, component: number): string | undefined {
    return datatype ? NESTED[datatype]?.[component] : undefined;
  }

  /** `PID-11.3` -> `Patient Address, City`; unknown parts are named by number. */
  describe(location: string): string {
    const m = LOCATION.exec(location);
    if (!m) return location;
    const [, seg = '', , field, , comp, sub] = m;
    const def = this.file.segments[seg];
    if (!field) return `segment ${seg} (${def?.description ?? 'not in the HL7 v2 referral structure'})`;
    const f = Number(field);
    const type = this.fieldType(seg, f);
    const parts = [this.fieldName(seg, f) ?? `field ${f}`];
    if (comp) {
      const c = Number(comp);
      parts.push(this.componentName(type, c) ?? `component ${c}`);
      if (sub) {
        const subType = this.componentType(type, c);
        parts.push(this.componentName(subType, Number(sub)) ?? `subcomponent ${sub}`);
      }
    }
    return parts.join(', ');
  }
}
