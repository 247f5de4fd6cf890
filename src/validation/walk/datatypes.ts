/**
 * Rules on a complex value once walked: the fixed and pattern values of its element, and the
 * rules tied to its datatype (bindings and code systems of coded values, Quantity limits and
 * UCUM, references, the project's identifier rules, Attachments).
 *
 * Spec: https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_,
 * https://hl7.org/fhir/R4/datatypes.html
 */
import { isRecord } from '../../fhir/records.js';
import type { ElementNode, TypeRef } from '../compile/element-tree.js';
import { checkIdentifierRules } from '../compile/project-rules.js';
import { describeValue, fixedMismatches, matchesPattern } from '../compile/values.js';
import { elementSource } from '../issue-source.js';
import type { Walker } from '../walk.js';
import { checkReference } from './references.js';

type Json = Record<string, unknown>;

const UCUM = 'http://unitsofmeasure.org';

/**
 * fixed[x] and pattern[x] of the element, on this one value: on a repeating element each
 * repetition must match, as the HL7 validator applies them (slices pick out the repetitions a
 * pattern is about). Spec: https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_
 */
export function checkFixedPattern(w: Walker, value: Json, el: ElementNode): void {
  if (el.fixed) {
    const base = w.path.toString();
    for (const m of fixedMismatches(value, el.fixed.value)) {
      const src = w.sink.sources ? elementSource(el, 'own', w.env.compiler) : undefined;
      w.sink.add('error', 'value', m.message, base + m.at, undefined, src);
    }
  }
  if (el.pattern && !matchesPattern(value, el.pattern.value)) {
    w.report(
      'error',
      'value',
      `The value does not match the pattern ${describeValue(el.pattern.value)} required by the profile ${el.profile}`,
    );
  }
}

/** Rules tied to a datatype: bindings, references, identifiers, attachments, quantities. */
export function checkTypeRules(w: Walker, value: Json, el: ElementNode, type: TypeRef): void {
  switch (type.code) {
    case 'CodeableConcept':
    case 'Coding':
    case 'Quantity':
    case 'Age':
    case 'Duration':
    case 'Distance':
    case 'Count':
    case 'SimpleQuantity':
    case 'MoneyQuantity': {
      const bindingError = el.checkedBindings.length > 0 && w.codes.checkCoded(value, el, type.code);
      // A code that its (complete) system does not know is reported once: by a required
      // binding that rejects it, else at the code itself.
      if (bindingError) break;
      if (type.code === 'CodeableConcept') {
        const codings = value.coding;
        if (Array.isArray(codings)) {
          for (let i = 0; i < codings.length; i++) {
            const c: unknown = codings[i];
            if (isRecord(c)) w.codes.checkInSystem(c, i);
          }
        }
      } else if (type.code === 'Coding') {
        if (!isCodingOfConcept(el)) w.codes.checkInSystem(value, -1);
      } else {
        w.values.quantityLimits(value, el);
        if (value.system === UCUM) w.codes.checkInSystem(value, -1);
      }
      break;
    }
    case 'Reference':
      checkReference(w, value, el, type);
      break;
    case 'Identifier':
      checkIdentifierRules(value, w.reportIdentifier);
      break;
    case 'Attachment':
      w.values.attachment(value);
      break;
    default:
      break;
  }
}

/** A Coding that is a coding of a CodeableConcept: its code is checked with the concept. */
function isCodingOfConcept(el: ElementNode): boolean {
  return el.path === 'CodeableConcept.coding' || el.parent?.types[0]?.code === 'CodeableConcept';
}
