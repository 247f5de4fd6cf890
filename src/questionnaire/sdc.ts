/**
 * What a Questionnaire says about its own pre-population and extraction, read from the SDC
 * extensions (https://hl7.org/fhir/uv/sdc/) and the project's ov-monitoring-item: expressions,
 * launch contexts, variables, observation link periods, extraction flags, monitoring marks, and
 * the concept an item stands for.
 */
import type {
  Coding,
  Duration,
  Expression,
  Extension,
  Questionnaire,
  QuestionnaireItem,
} from '@medplum/fhirtypes';

const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';

export const EXT = {
  launchContext: `${SDC}sdc-questionnaire-launchContext`,
  initialExpression: `${SDC}sdc-questionnaire-initialExpression`,
  itemPopulationContext: `${SDC}sdc-questionnaire-itemPopulationContext`,
  observationLinkPeriod: `${SDC}sdc-questionnaire-observationLinkPeriod`,
  observationExtract: `${SDC}sdc-questionnaire-observationExtract`,
  observationExtractCategory: `${SDC}sdc-questionnaire-observation-extract-category`,
  variable: 'http://hl7.org/fhir/StructureDefinition/variable',
  monitoringItem: 'https://overdracht.dev/fhir/StructureDefinition/ov-monitoring-item',
  answerSource: 'https://overdracht.dev/fhir/StructureDefinition/ov-answer-source',
} as const;

/** Where a Questionnaire-level or item-level extension sits. */
type Extended = Pick<QuestionnaireItem, 'extension'> | Pick<Questionnaire, 'extension'>;

function extensions(on: Extended, url: string): Extension[] {
  return (on.extension ?? []).filter((e) => e.url === url);
}

/** A FHIRPath expression with the variable name it binds (variables, population contexts). */
export interface NamedExpression {
  name?: string;
  expression: string;
}

/** Only FHIRPath is evaluated; CQL and x-fhir-query expressions are not supported here. */
function fhirPathExpression(e: Expression | undefined): NamedExpression | undefined {
  if (!e?.expression || (e.language !== 'text/fhirpath' && e.language !== undefined)) return undefined;
  return e.name ? { name: e.name, expression: e.expression } : { expression: e.expression };
}

export function initialExpression(item: QuestionnaireItem): NamedExpression | undefined {
  return fhirPathExpression(extensions(item, EXT.initialExpression)[0]?.valueExpression);
}

/** The language of an initialExpression that is not FHIRPath (CQL, x-fhir-query), which is not evaluated here. */
export function unsupportedInitialExpression(item: QuestionnaireItem): string | undefined {
  const e = extensions(item, EXT.initialExpression)[0]?.valueExpression;
  return e && !fhirPathExpression(e) ? (e.language ?? 'unknown') : undefined;
}

/** https://hl7.org/fhir/uv/sdc/StructureDefinition-sdc-questionnaire-itemPopulationContext.html */
export function itemPopulationContext(on: Extended): NamedExpression | undefined {
  return fhirPathExpression(extensions(on, EXT.itemPopulationContext)[0]?.valueExpression);
}

/** Variables in declaration order (https://hl7.org/fhir/R4/extension-variable.html); later ones may use earlier ones. */
export function variables(on: Extended): NamedExpression[] {
  return extensions(on, EXT.variable)
    .map((e) => fhirPathExpression(e.valueExpression))
    .filter((v): v is NamedExpression => v?.name !== undefined);
}

/** The names of the launch contexts a Questionnaire declares (the Coding's code is the variable name). */
export function launchContextNames(q: Questionnaire): string[] {
  return extensions(q, EXT.launchContext).flatMap((e) => {
    const name = e.extension?.find((p) => p.url === 'name');
    const code = name?.valueCoding?.code ?? name?.valueCode ?? name?.valueId;
    return code ? [code] : [];
  });
}

export function observationLinkPeriod(item: QuestionnaireItem): Duration | undefined {
  return extensions(item, EXT.observationLinkPeriod)[0]?.valueDuration;
}

function flag(on: Extended, url: string): boolean | undefined {
  return extensions(on, url)[0]?.valueBoolean;
}

/** observationExtract on the item, else on the nearest ancestor that says (https://hl7.org/fhir/uv/sdc/extraction.html#observation-based-extraction). */
export function observationExtractFlag(on: Extended): boolean | undefined {
  return flag(on, EXT.observationExtract);
}

export function observationExtractCategory(on: Extended): Coding[] {
  return extensions(on, EXT.observationExtractCategory).flatMap((e) => e.valueCodeableConcept?.coding ?? []);
}

/** ov-monitoring-item: a monitoring question is asked every time and never pre-filled (R2). */
export function isMonitoring(on: Extended): boolean {
  return flag(on, EXT.monitoringItem) === true;
}

/**
 * The keys of the concept an item stands for: each `system|code` of item.code, and its
 * `definition`. Two items with a key in common ask the same thing, whatever their linkIds.
 */
export function conceptKeys(item: QuestionnaireItem): string[] {
  const keys = (item.code ?? []).flatMap((c) => (c.system && c.code ? [`${c.system}|${c.code}`] : []));
  if (item.definition) keys.push(`definition ${item.definition}`);
  return keys;
}

export function codeKey(c: Coding): string | undefined {
  return c.system && c.code ? `${c.system}|${c.code}` : undefined;
}

/** The canonical URL without its `|version`. */
export function canonicalUrl(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar >= 0 ? canonical.slice(0, bar) : canonical;
}
