/**
 * The GGZ EHR export adapter: what a mental-health institution's record system exports about its
 * clients (CSV files per table or one JSON file: clients, care trajectories, DSM-5 and ICD-10
 * diagnoses, treatments, medication, ROM scores, risk assessments, crisis plans, care team,
 * closing letters) to one previous-treatment summary document per client. Each vendor's layout
 * is a spec in mappings/ggz-ehr/ (`--mapping mappings/ggz-ehr/<vendor>.yaml`); the engine is
 * src/adapters/exports, shared with the GP journal export.
 */
import { join } from 'node:path';
import { createExportAdapter, type ExportAdapter } from '../exports/index.js';
import { mappingsDir } from '../spec-loader.js';

export const GGZ_EHR_FORMAT = 'ggz-ehr';

export function createGgzEhrAdapter(options: { specFile?: string } = {}): ExportAdapter {
  return createExportAdapter({
    format: GGZ_EHR_FORMAT,
    defaultSpecFile: join(mappingsDir('ggz-ehr'), 'epd-csv.yaml'),
    specFile: options.specFile,
  });
}
