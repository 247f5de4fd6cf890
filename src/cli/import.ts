/**
 * `overdracht import --from FORMAT FILE_OR_DIR [--organisation ID] [--mapping SPEC] [--demo]`:
 * imports what an integrator's system exports (any adapter format, or `fhir`) into the client
 * record of the configured database, as the organisation named (an `id` of the configuration).
 * Files of a directory are imported one after the other. The same file twice adds nothing.
 *
 * Nothing of an input's content reaches the terminal: file names, counts, and the report's
 * issues, which carry source locations and never values.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { hasConfigFile, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { errorIssues, OperationOutcomeError } from '../fhir/outcomes.js';
import type { ImportReport } from '../record/types.js';
import type { CliCommand } from './commands.js';
import { InputError, listInputs } from './inputs.js';

const USAGE = `overdracht import --from FORMAT FILE_OR_DIR [--organisation ID] [--mapping SPEC] [--demo]

  --from FORMAT        the source format: fhir (a FHIR Bundle or resource, JSON) or one of the
                       formats of 'overdracht convert --help'
  FILE_OR_DIR          one input file, or a directory: each visible file in it, in name order
  --organisation ID    the organisation that supplies the data (an id of the configuration's
                       organisations); it alone gets access to what it supplies
  --mapping SPEC       a mapping spec file to use instead of the format's default
  --demo               the demo configuration (also the default without OVERDRACHT_CONFIG)

Imports into the client record of the configured database (OVERDRACHT_DATA_DIR or DATABASE_URL):
records are joined by BSN, a client without BSN is kept apart; a summary goes to stderr.
Exit status: 0 every input imported, 1 an input failed, 2 unusable arguments.`;

interface ImportArgs {
  format: string;
  input: string;
  organisation: string | undefined;
  mapping: string | undefined;
  demo: boolean;
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import exports (GP journal, GGZ EHR, social domain, assessments, FHIR) into the client record',
  usage: USAGE,
  async run(argv) {
    let args: ImportArgs;
    let config: Config;
    try {
      args = parseArgs(argv);
      config = loadConfig({ demo: args.demo || !hasConfigFile() });
    } catch (err) {
      if (err instanceof Error) return fail(err.message);
      throw err;
    }
    const organisation = args.organisation
      ? config.organisations.find((o) => o.id === args.organisation)
      : undefined;
    if (args.organisation && !organisation) return fail(`unknown organisation '${args.organisation}'`);
    let files: string[];
    try {
      files = listInputs(args.input, 'import');
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    return runImport(config, args, organisation, files);
  },
};

async function runImport(
  config: Config,
  args: ImportArgs,
  organisation: Config['organisations'][number] | undefined,
  files: readonly string[],
): Promise<number> {
  // Loaded here so that other commands do not pay for the store and the adapters.
  const { openImportService } = await import('../record/cli-service.js');
  const service = await openImportService(
    config,
    args.mapping ? { [args.format.toLowerCase()]: args.mapping } : {},
  );
  let failed = 0;
  const totals = { added: 0, unchanged: 0, clients: 0 };
  try {
    for (const file of files) {
      let report: ImportReport;
      try {
        report = await service.import(
          { format: args.format, bytes: readFileSync(file), name: basename(file) },
          organisation,
        );
      } catch (err) {
        failed++;
        const message =
          err instanceof OperationOutcomeError
            ? (err.outcome.issue?.[0]?.diagnostics ?? 'failed')
            : 'cannot be read';
        process.stderr.write(`${file}: ${message}\n`);
        continue;
      }
      totals.added += report.added;
      totals.unchanged += report.unchanged;
      totals.clients += report.clients.length;
      const errors = errorIssues(report.report);
      if (report.clients.length === 0) failed++;
      process.stderr.write(`${file}: ${line(report)}\n${errors.slice(0, 5).map(issueLine).join('')}`);
    }
  } finally {
    await service.close();
  }
  process.stderr.write(
    `${files.length} input${files.length === 1 ? '' : 's'}: ${files.length - failed} imported, ${failed} failed; ${totals.added} entries added, ${totals.unchanged} already held\n`,
  );
  return failed > 0 ? 1 : 0;
}

function line(r: ImportReport): string {
  const joined = r.clients.filter((c) => c.joinedByBsn).length;
  const unmapped = (r.report.issue ?? []).filter((i) =>
    i.details?.coding?.some((c) => c.code === 'source-field-unmapped'),
  ).length;
  return `${r.clients.length} client${r.clients.length === 1 ? '' : 's'} (${joined} by BSN, ${r.clients.length - joined} kept apart), ${r.added} added, ${r.unchanged} already held, ${r.skipped} records without a client, ${unmapped} unmapped fields`;
}

function issueLine(i: OperationOutcomeIssue): string {
  const where = i.location?.[0];
  return `  ${i.severity.padEnd(6)} ${where ? `${where}: ` : ''}${i.details?.text ?? i.diagnostics ?? i.code}\n`;
}

function parseArgs(argv: readonly string[]): ImportArgs {
  const paths: string[] = [];
  const args: Omit<ImportArgs, 'input'> = {
    format: '',
    organisation: undefined,
    mapping: undefined,
    demo: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--demo') {
      args.demo = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      paths.push(arg);
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new InputError(`${arg} needs a value`);
    if (arg === '--from') args.format = value;
    else if (arg === '--organisation') args.organisation = value;
    else if (arg === '--mapping') args.mapping = value;
    else throw new InputError(`unknown option '${arg}'`);
  }
  if (!args.format) throw new InputError('--from FORMAT is required');
  if (paths.length !== 1) throw new InputError(`one FILE_OR_DIR is needed, not ${paths.length}`);
  return { ...args, input: paths[0] ?? '' };
}

function fail(message: string): number {
  process.stderr.write(`overdracht import: ${message}\n\n${USAGE}\n`);
  return 2;
}
