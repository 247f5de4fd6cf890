/**
 * Resources for the re-identification test, generated from the R4 StructureDefinitions (not
 * written by hand, so a type or element nobody thought of is covered too): every element to a
 * depth of four is filled, with a unique marker (`MARKER-<n>`) in every string-valued element
 * that is not a code or a date, a BSN that passes the 11-check in free text and identifiers, and
 * one resource per type of the widest choice element, so that each `value[x]` type appears.
 */
import type { Child, Place, R4Model } from '../../src/export/pseudonymise/model.js';

type Json = Record<string, unknown>;

export const MARKER = 'MARKER-';
const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
/** An extension url a test policy keeps: its string value must still not go out. */
export const KEPT_EXTENSION = 'https://overdracht.dev/fhir/StructureDefinition/ov-client-request';

const TEXT_TYPES = new Set(['string', 'markdown']);
const OPAQUE_TYPES = new Set(['id', 'uri', 'url', 'canonical', 'oid', 'uuid', 'base64Binary']);
const FIXED: Readonly<Record<string, unknown>> = {
  code: 'code',
  boolean: true,
  integer: 1,
  positiveInt: 1,
  unsignedInt: 1,
  decimal: 1.5,
  date: '2024-03-15',
  dateTime: '2024-03-15T10:30:00+01:00',
  instant: '2024-03-15T10:30:00.000+01:00',
  time: '10:30:00',
};

/** Whether nine digits pass the BSN 11-check (weights 9..2 and -1). */
export function passesElevenCheck(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
  const sum = weights.reduce((s, w, i) => s + w * Number(digits[i]), 0);
  return sum % 11 === 0;
}

export class MarkerResources {
  private n = 0;

  constructor(
    private readonly model: R4Model,
    private readonly maxDepth = 4,
  ) {}

  /** One resource per type of the widest choice element of `type` (at least one). */
  generate(type: string): Json[] {
    const root = this.model.root(type);
    if (!root) throw new Error(`no type ${type}`);
    const variants = Math.max(
      1,
      ...this.model
        .elements(root)
        .filter((d) => d.choice)
        .map((d) => d.types.length),
    );
    return Array.from({ length: variants }, (_, v) => this.resource(root, v));
  }

  private resource(root: Place, variant: number): Json {
    return { resourceType: root.type.name, ...this.object(root, 1, variant), id: this.marker() };
  }

  private object(place: Place, depth: number, variant: number): Json {
    const out: Json = {};
    for (const def of this.model.elements(place)) {
      if (def.name === 'modifierExtension') continue;
      if (def.name === 'extension') {
        if (depth <= 2) out.extension = this.extensions();
        continue;
      }
      const type = def.choice ? def.types[variant % def.types.length] : def.types[0];
      const child = type === undefined ? undefined : this.model.childOf(place, def, type);
      if (!child) continue;
      const value = this.value(child, depth, variant);
      if (value === undefined) continue;
      out[def.choice ? `${def.name}${capitalize(child.type)}` : def.name] = def.repeats ? [value] : value;
    }
    return out;
  }

  private value(child: Child, depth: number, variant: number): unknown {
    const special = this.special(child.def.path);
    if (special !== undefined) return special;
    const content = child.content;
    switch (content.kind) {
      case 'primitive':
        return this.primitive(child.type);
      case 'resource':
        return depth < this.maxDepth - 1 ? this.nested(depth, variant) : undefined;
      case 'backbone':
      case 'datatype':
        return depth < this.maxDepth ? this.object(content.place, depth + 1, variant) : undefined;
      default:
        return content satisfies never;
    }
  }

  /** Values whose shape the engine reads: references that parse, identifiers with BSNs, codings of a known system. */
  private special(path: string): unknown {
    switch (path) {
      case 'Reference.reference':
        return `Patient/${this.marker()}`;
      case 'Identifier.system':
        return BSN_SYSTEM;
      case 'Identifier.value':
        return this.n % 2 === 0 ? this.bsn() : this.marker();
      case 'Coding.system':
        return this.n % 2 === 0 ? 'http://loinc.org' : this.marker();
      default:
        return undefined;
    }
  }

  private primitive(type: string): unknown {
    if (TEXT_TYPES.has(type)) return `${this.marker()} Jansen, bsn ${this.bsn()}`;
    if (OPAQUE_TYPES.has(type)) return this.marker();
    if (type === 'xhtml')
      return `<div xmlns="http://www.w3.org/1999/xhtml">${this.marker()} ${this.bsn()}</div>`;
    return FIXED[type];
  }

  private nested(depth: number, variant: number): Json | undefined {
    const root = this.model.root('Patient');
    if (!root) return undefined;
    return { resourceType: 'Patient', ...this.object(root, depth + 1, variant), id: this.marker() };
  }

  private extensions(): Json[] {
    return [
      { url: this.marker(), valueString: `${this.marker()} ${this.bsn()}` },
      { url: KEPT_EXTENSION, valueString: `${this.marker()} ${this.bsn()}` },
      { url: KEPT_EXTENSION, valueHumanName: { family: this.marker(), given: [this.marker()] } },
      { url: KEPT_EXTENSION, extension: [{ url: 'part', valueString: this.marker() }] },
    ];
  }

  private marker(): string {
    this.n += 1;
    return `${MARKER}${this.n}`;
  }

  /** A different valid BSN each time: eight digits from the counter and the check digit that fits. */
  private bsn(): string {
    for (let k = this.n; ; k += 1) {
      const head = String(10_000_000 + ((k * 7_919) % 89_999_999)).padStart(8, '0');
      const weights = [9, 8, 7, 6, 5, 4, 3, 2];
      const sum = weights.reduce((s, w, i) => s + w * Number(head[i]), 0);
      const last = sum % 11;
      if (last <= 9 && passesElevenCheck(`${head}${last}`)) return `${head}${last}`;
    }
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
