/**
 * The adapters' public API: the registry of the formats overdracht converts from, and the
 * conversion context (ConceptMaps, terminology checks, channel settings) they share. The CLI and
 * the HTTP layer build both once at start.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TerminologyService } from '../terminology/service.js';
import type { ConversionContext } from './framework.js';
import { ASSESSMENTS_FORMAT, createAssessmentsAdapter } from './assessments/index.js';
import { createEdifactAdapter, EDIFACT_FORMAT } from './edifact/index.js';
import { createGgzEhrAdapter, GGZ_EHR_FORMAT } from './ggz-ehr/index.js';
import { createGpJournalAdapter, GP_JOURNAL_FORMAT } from './gp-journal/index.js';
import { createHl7v2Adapter, defaultMappingDir, HL7V2_FORMAT } from './hl7v2/index.js';
import { AdapterRegistry } from './registry.js';
import { createZorgdomeinAdapter, ZORGDOMEIN_FORMAT } from './zorgdomein/index.js';
import { createSocialAdapter, SOCIAL_FORMAT } from './social/index.js';
import { createCodeTranslator, loadConceptMaps } from './translator.js';

export * from './framework.js';
export { AdapterRegistry, type RegisteredAdapter } from './registry.js';
export { batchFigures, batchOutput, type BatchFigures } from './batch-output.js';
export { createHl7v2Adapter, type Hl7v2Adapter } from './hl7v2/index.js';
export { createZorgdomeinAdapter, type ZorgdomeinAdapter } from './zorgdomein/index.js';
export { createAssessmentsAdapter, type AssessmentsAdapter } from './assessments/index.js';
export { createEdifactAdapter, type EdifactAdapter } from './edifact/index.js';
export { createGgzEhrAdapter } from './ggz-ehr/index.js';
export { createGpJournalAdapter } from './gp-journal/index.js';
export type { ExportAdapter } from './exports/index.js';
export { createSocialAdapter, type SocialAdapter } from './social/index.js';

export interface RegistryOptions {
  /**
   * Mapping spec files to use instead of an adapter's default, by format name (`overdracht
   * convert --mapping`). A spec that fails its schema or checks throws a MappingSpecError.
   */
  specFiles?: Readonly<Partial<Record<string, string>>>;
}

export function createAdapterRegistry(options: RegistryOptions = {}): AdapterRegistry {
  const specFile = (format: string): { specFile: string | undefined } => ({
    specFile: options.specFiles?.[format],
  });
  return new AdapterRegistry()
    .register(createHl7v2Adapter(specFile(HL7V2_FORMAT)))
    .register(createAssessmentsAdapter(specFile(ASSESSMENTS_FORMAT)))
    .register(createZorgdomeinAdapter(specFile(ZORGDOMEIN_FORMAT)))
    .register(createEdifactAdapter(specFile(EDIFACT_FORMAT)))
    .register(createGgzEhrAdapter(specFile(GGZ_EHR_FORMAT)))
    .register(createGpJournalAdapter(specFile(GP_JOURNAL_FORMAT)))
    .register(createSocialAdapter(specFile(SOCIAL_FORMAT)));
}

export interface ContextOptions {
  /** Channel settings (referralCategory, senderOrganizationType, timeZone, ...); see mappings/README.md. */
  channel?: Readonly<Record<string, string>>;
  /** The project's terminology service, to check implied code systems and value-set membership. */
  terminology?: TerminologyService;
  /** ConceptMap folders; default the terminology's and every adapter's. */
  conceptMapDirs?: readonly string[];
}

/** The ConceptMap folders of the project: terminology/conceptmaps and mappings/<format>/conceptmaps. */
export function defaultConceptMapDirs(): string[] {
  const mappings = join(defaultMappingDir(), '..');
  const formats = readdirSync(mappings, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  return [
    join(mappings, '..', 'terminology', 'conceptmaps'),
    ...formats.map((f) => join(mappings, f, 'conceptmaps')),
  ];
}

export function createConversionContext(options: ContextOptions = {}): ConversionContext {
  const translator = createCodeTranslator(loadConceptMaps(options.conceptMapDirs ?? defaultConceptMapDirs()));
  const terminology = options.terminology;
  return {
    translator,
    channel: options.channel ?? {},
    inValueSet: terminology ? (url, coding) => terminology.validateCode(url, coding)?.valid : undefined,
    codeInSystem: terminology
      ? (system, code) => terminology.validateCodeInSystem(system, code)?.valid
      : undefined,
  };
}
