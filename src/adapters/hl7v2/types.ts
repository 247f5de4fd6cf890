/** The parsed form of an HL7 v2 message: what the parser gives the mapping. */

export interface Hl7Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** v2.7+ MSH-2 may carry a fifth character, the truncation character. */
  truncation?: string;
}

/** A component: its subcomponents, escape sequences already decoded. */
export type Hl7Component = readonly string[];
/** A repetition of a field: its components. */
export type Hl7Repetition = readonly Hl7Component[];
/** A field: its repetitions. */
export type Hl7Field = readonly Hl7Repetition[];

export interface Hl7Segment {
  name: string;
  /** 1-based position of the segment in its message. */
  position: number;
  /** 1-based line of the segment in the input. */
  line: number;
  /** 1-based count of segments with this name so far in the message (NK1[2] is the second NK1). */
  occurrence: number;
  /** Indexed by field number (MSH-1 is the field separator); index 0 is unused. */
  fields: readonly (Hl7Field | undefined)[];
}

export interface Hl7Message {
  segments: readonly Hl7Segment[];
  delimiters: Hl7Delimiters;
  /** MSH-9.1, MSH-9.2, MSH-9.3 */
  messageCode: string;
  triggerEvent: string;
  messageStructure: string;
  /** MSH-10 */
  controlId: string;
  /** MSH-12.1 */
  version: string;
  /** The record's place in the input, e.g. `message 1 (line 1)`. */
  location: string;
}

export interface Hl7Limits {
  maxBytes: number;
  maxSegments: number;
  maxFieldsPerSegment: number;
  maxRepetitions: number;
  maxComponents: number;
  maxSubcomponents: number;
  /** Parse problems reported per input before the parser gives up. */
  maxIssues: number;
}

export const DEFAULT_HL7_LIMITS: Hl7Limits = {
  maxBytes: 2 * 1024 * 1024,
  maxSegments: 5_000,
  maxFieldsPerSegment: 300,
  maxRepetitions: 1_000,
  maxComponents: 100,
  maxSubcomponents: 100,
  maxIssues: 50,
};
