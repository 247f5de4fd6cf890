/**
 * The converters from HL7 v2 datatypes (v2.8 chapter 2A) to FHIR R4 datatypes, by the name a
 * mapping spec uses (`as:`), and which v2 datatypes each reads (`accepts`), checked against the
 * mapping spec when it is loaded. A converter reads through a Cursor (which notes every leaf it
 * uses), returns the FHIR value or undefined, and reports what it read but could not translate;
 * the converters themselves are in datatypes/.
 */
import { codeableConcept, translatedCoding } from './datatypes/coded.js';
import type { ConverterDef } from './datatypes/env.js';
import { hdUrl, identifier } from './datatypes/identifiers.js';
import { address, contactPoint, humanName } from './datatypes/names.js';
import { organization, practitioner } from './datatypes/parties.js';
import { convertBoolean, dateValue, number } from './datatypes/primitives.js';
import { observationValue, quantity, unit } from './datatypes/quantities.js';

const CODED = ['CWE', 'CNE', 'CE', 'CF', 'CX', 'ID', 'IS', 'ST'];

export const CONVERTERS = {
  string: { accepts: ['*'], convert: (cur) => cur.get(1) || undefined },
  boolean: { accepts: ['ID', 'IS', 'ST', 'CWE'], convert: convertBoolean },
  integer: { accepts: ['NM', 'SI', 'ST'], convert: (cur) => number(cur, true) },
  decimal: { accepts: ['NM', 'ST'], convert: (cur) => number(cur, false) },
  date: { accepts: ['DT', 'DTM', 'TS', 'ST'], convert: (cur) => dateValue(cur, 'date') },
  dateTime: {
    accepts: ['DT', 'DTM', 'TS', 'ST'],
    convert: (cur, _r, env) => dateValue(cur, 'dateTime', env.timeZone),
  },
  instant: { accepts: ['DTM', 'TS'], convert: (cur, _r, env) => dateValue(cur, 'instant', env.timeZone) },
  code: {
    accepts: CODED,
    needsConceptMap: true,
    convert: (cur, rule, env) => translatedCoding(cur, rule, env)?.code,
  },
  Coding: { accepts: CODED, needsConceptMap: true, convert: translatedCoding },
  CodeableConcept: { accepts: ['CWE', 'CNE', 'CE', 'CF', 'ID', 'IS', 'ST'], convert: codeableConcept },
  Identifier: {
    accepts: ['CX', 'EI', 'PLN', 'XON', 'XCN', 'HD', 'ST', 'NM', 'ID', 'IS'],
    convert: identifier,
  },
  HumanName: { accepts: ['XPN', 'XCN'], convert: humanName },
  Address: { accepts: ['XAD'], convert: address },
  ContactPoint: { accepts: ['XTN'], convert: contactPoint },
  Practitioner: { accepts: ['XCN'], convert: practitioner },
  Organization: { accepts: ['XON'], convert: organization },
  url: { accepts: ['HD'], convert: hdUrl },
  Quantity: { accepts: ['CQ'], convert: quantity },
  unit: { accepts: ['CWE', 'CE'], convert: unit },
  ObservationValue: { accepts: ['varies'], convert: observationValue },
} satisfies Record<string, ConverterDef>;

export type ConverterName = keyof typeof CONVERTERS;
