/**
 * Invariants published with R4 whose FHIRPath says something other than their rule, corrected
 * as later versions of FHIR (R4B, R5) and the HL7 validator correct them. Matched on the exact
 * published expression, so that a profile's own invariant is never rewritten.
 *
 * Spec: https://hl7.org/fhir/R4B/questionnaire.html#invs (que-12),
 *       https://hl7.org/fhir/R4/riskassessment.html#invs (ras-2), FHIRPath truthiness of
 *       non-boolean operands: https://hl7.org/fhirpath/N1/#singleton-evaluation-of-collections
 */

const CORRECTED: ReadonlyMap<string, string> = new Map([
  // ras-2: without a probability the rule says nothing (R4 fails on an empty operand).
  [
    'probability is decimal implies (probability as decimal) <= 100',
    '(probability.exists() and (probability is decimal)) implies ((probability as decimal) <= 100)',
  ],
  [
    'probability is decimal implies probability.as(decimal) <= 100',
    'probability.empty() or (probability is decimal implies probability.as(decimal) <= 100)',
  ],
  // que-12: "if there are more than one enableWhen" (R4 counts from three).
  [
    'enableWhen.count() > 2 implies enableBehavior.exists()',
    'enableWhen.count() >= 2 implies enableBehavior.exists()',
  ],
  // que-7: a FHIR boolean answer is a Boolean (FHIR primitives are their System types in FHIRPath,
  // https://hl7.org/fhir/R4/fhirpath.html#types); as an exact type test it would always fail.
  ["operator = 'exists' implies (answer is Boolean)", "operator = 'exists' implies (answer is boolean)"],
  // A misspelt element name (generated/generation).
  ["generated='generated' implies source.empty()", "generation='generated' implies source.empty()"],
  // Elements used as booleans: they must be tested for existence.
  [
    '(component.empty() and hasMember.empty()) implies (dataAbsentReason or value)',
    '(component.empty() and hasMember.empty()) implies (dataAbsentReason.exists() or value.exists())',
  ],
  [
    'isModifier implies isModifierReason.exists()',
    '(isModifier.exists() and isModifier) implies isModifierReason.exists()',
  ],
  [
    "differential.element.all(id) and differential.element.id.trace('ids').isDistinct()",
    "differential.element.all(id.exists()) and differential.element.id.trace('ids').isDistinct()",
  ],
  [
    "snapshot.element.all(id) and snapshot.element.id.trace('ids').isDistinct()",
    "snapshot.element.all(id.exists()) and snapshot.element.id.trace('ids').isDistinct()",
  ],
  [
    "(%resource.kind = 'logical' or element.first().path.startsWith(%resource.type)) and (element.tail().not() or  element.tail().all(path.startsWith(%resource.differential.element.first().path.replaceMatches('\\\\..*','')&'.')))",
    "(%resource.kind = 'logical' or element.first().path.startsWith(%resource.type)) and (element.tail().empty() or  element.tail().all(path.startsWith(%resource.differential.element.first().path.replaceMatches('\\\\..*','')&'.')))",
  ],
  // An unanchored regex and a missing name.
  [
    "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",
    "name.exists() implies name.matches('^[A-Z]([A-Za-z0-9_]){0,254}$')",
  ],
  // Double quotes are not FHIRPath string delimiters.
  [
    "binding.empty() or type.code.empty() or type.code.contains(\":\") or type.select((code = 'code') or (code = 'Coding') or (code='CodeableConcept') or (code = 'Quantity') or (code = 'string') or (code = 'uri') or (code = 'Duration')).exists()",
    "binding.empty() or type.code.empty() or type.code.contains(':') or type.select((code = 'code') or (code = 'Coding') or (code='CodeableConcept') or (code = 'Quantity') or (code = 'string') or (code = 'uri') or (code = 'Duration')).exists()",
  ],
]);

/** The expression to evaluate for a published invariant expression. */
export function correctedExpression(expression: string): string {
  return CORRECTED.get(expression) ?? expression;
}
