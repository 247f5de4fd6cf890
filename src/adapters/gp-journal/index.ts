/**
 * The GP journal export adapter: what a GP information system (HIS) exports of a patient's record
 * (ICPC-1-NL episodes, SOEP journal lines, medication by ATC, measurements) to the content of a
 * previous-treatment summary document. The layout is the spec in mappings/gp-journal/; the engine
 * is src/adapters/exports, shared with the GGZ EHR export.
 */
import { join } from 'node:path';
import { createExportAdapter, type ExportAdapter } from '../exports/index.js';
import { mappingsDir } from '../spec-loader.js';

export const GP_JOURNAL_FORMAT = 'gp-journal';

export function createGpJournalAdapter(options: { specFile?: string } = {}): ExportAdapter {
  return createExportAdapter({
    format: GP_JOURNAL_FORMAT,
    defaultSpecFile: join(mappingsDir('gp-journal'), 'his-export.yaml'),
    specFile: options.specFile,
  });
}
