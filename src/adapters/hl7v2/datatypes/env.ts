/**
 * What the HL7 v2 datatype converters share: the environment the engine gives them (code
 * translation, coding and identifier systems, embedding of resources, the channel), the shape of
 * a converter, and the value a converter returns for a choice element.
 */
import type { Json } from '../../paths.js';
import type { CodeTranslator } from '../../translator.js';
import type { Cursor } from '../cursor.js';
import type { IdentifierSystemRule, SourceRule } from '../spec.js';

export interface ConvertEnv {
  translator: CodeTranslator;
  /** HL7 table 0396 coding-system name (or an OID) to a FHIR system URI. */
  codingSystem(name: string): string | undefined;
  identifierSystem(query: {
    namespace?: string;
    oid?: string;
    typeCode?: string;
  }): IdentifierSystemRule | undefined;
  /** Adds a resource made from a composite field (an XCN, an XON) and returns a Reference to it. */
  embed(resourceType: 'Practitioner' | 'Organization', resource: Json, cur: Cursor): Json;
  channel: Readonly<Record<string, string>>;
  timeZone: string;
  /** false when the code is known not to be in the system; undefined when it cannot tell. */
  codeInSystem(system: string, code: string): boolean | undefined;
}

/** A value for a choice element: the engine writes it at `value[x]` as `value<type>`. */
export class ChoiceValue {
  constructor(
    readonly type: string,
    readonly value: unknown,
  ) {}
}

export interface ConverterDef {
  /** v2 datatypes the converter reads; `*` for any. */
  accepts: readonly string[];
  needsConceptMap?: boolean;
  convert(cur: Cursor, rule: SourceRule, env: ConvertEnv): unknown;
}
