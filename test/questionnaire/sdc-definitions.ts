/**
 * The SDC extensions the questionnaires use, as differential-only StructureDefinitions: the
 * project package depends on hl7.fhir.r4.core alone, and a validator rejects an extension under
 * http://hl7.org/fhir/ whose definition it does not hold. Each entry states what the published
 * definition fixes (url, where it may be used, its value type); see
 * https://hl7.org/fhir/uv/sdc/artifacts.html#structures-extension-definitions.
 *
 * A context `Questionnaire.item` also covers nested items (Questionnaire.item.item is the same
 * element by contentReference, https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item.item),
 * but the project validator compares the literal path, so the nested path is listed as well, as
 * the R4 core extension `variable` does.
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

const SDC = 'http://hl7.org/fhir/uv/sdc/StructureDefinition/';
const EXTENSION = 'http://hl7.org/fhir/StructureDefinition/Extension';

interface SimpleExtension {
  id: string;
  value: string;
  contexts: readonly string[];
}

const ITEM = ['Questionnaire.item', 'Questionnaire.item.item'];

const SIMPLE: readonly SimpleExtension[] = [
  { id: 'sdc-questionnaire-initialExpression', value: 'Expression', contexts: ITEM },
  { id: 'sdc-questionnaire-calculatedExpression', value: 'Expression', contexts: ITEM },
  {
    id: 'sdc-questionnaire-itemPopulationContext',
    value: 'Expression',
    contexts: ['Questionnaire', ...ITEM],
  },
  { id: 'sdc-questionnaire-observationLinkPeriod', value: 'Duration', contexts: ITEM },
  { id: 'sdc-questionnaire-observationExtract', value: 'boolean', contexts: ['Questionnaire', ...ITEM] },
];

function extensionDefinition(
  id: string,
  contexts: readonly string[],
  elements: ElementDefinition[],
): StructureDefinition {
  return {
    resourceType: 'StructureDefinition',
    id,
    url: SDC + id,
    name: id,
    status: 'active',
    fhirVersion: '4.0.1',
    kind: 'complex-type',
    abstract: false,
    context: contexts.map((expression) => ({ type: 'element', expression })),
    type: 'Extension',
    baseDefinition: EXTENSION,
    derivation: 'constraint',
    differential: { element: [{ id: 'Extension', path: 'Extension' }, ...elements] },
  };
}

function simpleExtension({ id, value, contexts }: SimpleExtension): StructureDefinition {
  return extensionDefinition(id, contexts, [
    { id: 'Extension.extension', path: 'Extension.extension', max: '0' },
    { id: 'Extension.url', path: 'Extension.url', fixedUri: SDC + id },
    { id: 'Extension.value[x]', path: 'Extension.value[x]', min: 1, type: [{ code: value }] },
  ]);
}

function part(name: string, min: number, max: string, value: string): ElementDefinition[] {
  return [
    { id: `Extension.extension:${name}`, path: 'Extension.extension', sliceName: name, min, max },
    { id: `Extension.extension:${name}.url`, path: 'Extension.extension.url', fixedUri: name },
    {
      id: `Extension.extension:${name}.value[x]`,
      path: 'Extension.extension.value[x]',
      min: 1,
      type: [{ code: value }],
    },
  ];
}

/** launchContext: name (Coding, its code is the variable name), type (resource type), description. */
function launchContext(): StructureDefinition {
  const id = 'sdc-questionnaire-launchContext';
  return extensionDefinition(
    id,
    ['Questionnaire'],
    [
      {
        id: 'Extension.extension',
        path: 'Extension.extension',
        slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' },
      },
      ...part('name', 1, '1', 'Coding'),
      ...part('type', 1, '*', 'code'),
      ...part('description', 0, '1', 'string'),
      { id: 'Extension.url', path: 'Extension.url', fixedUri: SDC + id },
      { id: 'Extension.value[x]', path: 'Extension.value[x]', max: '0' },
    ],
  );
}

export function sdcExtensionDefinitions(): StructureDefinition[] {
  return [...SIMPLE.map(simpleExtension), launchContext()];
}
