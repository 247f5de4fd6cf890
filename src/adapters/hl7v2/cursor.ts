/**
 * A cursor over one repetition of a field (or over the subcomponents of one component) that
 * converters read through. Every leaf read is noted (`touched`), so the engine can mark exactly
 * what went into the output; a value a converter cannot translate is reported here, with its
 * location, and counts as accounted for.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { untranslatableIssue } from '../framework.js';
import { leafKey, leafPath } from './locate.js';
import type { Hl7Structure } from './structure.js';
import type { Hl7Segment } from './types.js';

export interface ReadSink {
  touched: string[];
  reported: string[];
  issues: OperationOutcomeIssue[];
}

export function newSink(): ReadSink {
  return { touched: [], reported: [], issues: [] };
}

/** HL7 v2 `""` means "explicitly no value"; for a referral snapshot that is the same as empty. */
function present(v: string | undefined): v is string {
  return v !== undefined && v !== '' && v !== '""';
}

export class Cursor {
  constructor(
    readonly structure: Hl7Structure,
    readonly segment: Hl7Segment,
    readonly field: number,
    readonly rep: number,
    /** The datatype of what this cursor's positions are components of. */
    readonly datatype: string | undefined,
    readonly sink: ReadSink,
    /** When set, this cursor's positions are the subcomponents of that component. */
    private readonly base?: number,
  ) {}

  private address(i: number, s: number): [number, number] {
    return this.base === undefined ? [i, s] : [this.base, i];
  }

  private raw(i: number, s = 1): string | undefined {
    const [c, sub] = this.address(i, s);
    return this.segment.fields[this.field]?.[this.rep - 1]?.[c - 1]?.[sub - 1];
  }

  /** The value at position i (subcomponent s), noting it as used when it has one. */
  get(i: number, s = 1): string {
    const v = this.raw(i, s);
    if (!present(v)) return '';
    const [c, sub] = this.address(i, s);
    this.sink.touched.push(leafKey(this.segment, this.field, this.rep, c, sub));
    return v.trim();
  }

  /** The value without noting it (for decisions that do not carry the value into the output). */
  peek(i: number, s = 1): string {
    const v = this.raw(i, s);
    return present(v) ? v.trim() : '';
  }

  has(i: number): boolean {
    return this.keysUnder(i).length > 0;
  }

  isEmpty(): boolean {
    return this.keysUnder().length === 0;
  }

  /** A cursor over the subcomponents of component i (HD inside CX.4, FN inside XPN.1). */
  sub(i: number): Cursor {
    if (this.base !== undefined)
      return new Cursor(this.structure, this.segment, this.field, this.rep, 'ST', this.sink, this.base);
    return new Cursor(
      this.structure,
      this.segment,
      this.field,
      this.rep,
      this.structure.componentType(this.datatype, i) ?? 'ST',
      this.sink,
      i,
    );
  }

  /** The same position read as another datatype (OBX-5 read as the type OBX-2 names). */
  withType(datatype: string): Cursor {
    return new Cursor(this.structure, this.segment, this.field, this.rep, datatype, this.sink, this.base);
  }

  /** Another field of the same segment (OBX-2 and OBX-6 for the value in OBX-5). */
  sibling(field: number, rep = 1): Cursor {
    return new Cursor(
      this.structure,
      this.segment,
      field,
      rep,
      this.structure.fieldType(this.segment.name, field),
      this.sink,
    );
  }

  /** The cursor itself (no i), its position i, or subcomponent s of position i. */
  location(i?: number, s?: number): string {
    const path = (c: number, sub: number): string[] =>
      leafPath(this.structure, this.segment, this.field, this.rep, c, sub);
    if (i === undefined) return (this.base === undefined ? path(1, 1)[2] : path(this.base, 1)[3]) ?? '';
    if (this.base !== undefined) return path(this.base, i)[4] ?? '';
    return (s === undefined ? path(i, 1)[3] : path(i, s)[4]) ?? '';
  }

  /** Reports the value at i (or the whole cursor) as untranslatable; its leaves count as accounted for. */
  untranslatable(message: string, i?: number): void {
    this.sink.issues.push(untranslatableIssue({ location: this.location(i), message }));
    this.sink.reported.push(...this.keysUnder(i));
  }

  /** Takes back what this cursor noted as used: the value it read does not reach the output. */
  release(): void {
    const mine = new Set(this.keysUnder());
    const kept = this.sink.touched.filter((k) => !mine.has(k));
    this.sink.touched.length = 0;
    this.sink.touched.push(...kept);
  }

  /** Marks every populated leaf under position i (or the whole cursor) as used. */
  useAll(i?: number): void {
    this.sink.touched.push(...this.keysUnder(i));
  }

  /** Keys of the populated leaves under position i, or under the whole cursor. */
  keysUnder(i?: number): string[] {
    const repValue = this.segment.fields[this.field]?.[this.rep - 1] ?? [];
    const keys: string[] = [];
    repValue.forEach((comp, ci) => {
      comp.forEach((v, si) => {
        if (!present(v)) return;
        const c = ci + 1;
        const s = si + 1;
        const inScope =
          this.base === undefined
            ? i === undefined || c === i
            : c === this.base && (i === undefined || s === i);
        if (inScope) keys.push(leafKey(this.segment, this.field, this.rep, c, s));
      });
    });
    return keys;
  }
}
