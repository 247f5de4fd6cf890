/**
 * Importing into the client record: the bytes of a source go through the format's adapter (any
 * format of the registry, so a new adapter works without a change here), or are read as FHIR JSON
 * (format `fhir`: a Bundle or one resource); each record of the output is stored in the record of
 * the client it names. Each entry is checked against the FHIR definitions and the profiles it
 * claims first: one that is not valid is left out, its errors reported with their paths. What the
 * adapter did not map is in the report with its source location; a record without a client is
 * reported, never dropped silently. The same input twice adds nothing.
 */
import type { Bundle, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { AdapterRegistry, ConversionContext } from '../adapters/index.js';
import type { OrganisationConfig } from '../config/types.js';
import { parseJsonBytes } from '../fhir/json.js';
import { errorIssues, issue, notFound, OperationOutcomeError, outcome } from '../fhir/outcomes.js';
import { isRecord } from '../fhir/records.js';
import { isSocialDomain, restrictsSharing } from '../consent/decide.js';
import { createValidator } from '../validation/index.js';
import { flatten } from './keys.js';
import type { RecordStore } from './store.js';
import type { ClientImport, Domain, ImportReport, RecordSource } from './types.js';

/** Read as FHIR JSON without an adapter. */
export const FHIR_FORMAT = 'fhir';

/** Formats whose data comes from the social domain whoever supplies it (iWmo, iJw messages). */
const SOCIAL_FORMATS = /^(iwmo|ijw)/i;

export interface ImportInput {
  format: string;
  bytes: Uint8Array;
  /** The file name or request (goes into the Provenance, never content). */
  name?: string;
  organisation: OrganisationConfig | undefined;
  maxBytes?: number;
}

export interface ImportDeps {
  registry: AdapterRegistry;
  context: ConversionContext;
  /** Validates one entry of a record (base definitions and its meta.profile claims). */
  validate(resource: Resource): OperationOutcome;
  record: RecordStore;
  now(): Date;
}

/** Validation of imports with the project's validator (building it takes a few seconds). */
export function importValidator(): ImportDeps['validate'] {
  const validator = createValidator({ includeProjectPackage: true });
  return (resource) => validator.validate(resource);
}

/** The formats an import accepts: the registry's and `fhir`. */
export function importFormats(registry: AdapterRegistry): string[] {
  return [FHIR_FORMAT, ...registry.formats().map((f) => f.format)];
}

export function domainOf(format: string, organisation: OrganisationConfig | undefined): Domain {
  return SOCIAL_FORMATS.test(format) || isSocialDomain(organisation?.type) ? 'social-domain' : 'treatment';
}

export async function importRecord(input: ImportInput, deps: ImportDeps): Promise<ImportReport> {
  const converted = convert(input, deps);
  const source: RecordSource = {
    ...(input.organisation
      ? {
          organisation: {
            system: input.organisation.identifier.system,
            value: input.organisation.identifier.value,
            name: input.organisation.name,
          },
        }
      : {}),
    format: converted.format,
    ...(input.name ? { name: input.name } : {}),
    domain: domainOf(converted.format, input.organisation),
  };
  const clients: ClientImport[] = [];
  const issues = [...converted.issues];
  let skipped = 0;
  const now = deps.now();
  for (const rec of converted.records) {
    const { valid, problems } = validEntries(flatten(rec.output), rec.location, deps);
    issues.push(...problems);
    const stored = await deps.record.importBundle(valid, source, now);
    if (stored) clients.push(...stored);
    else {
      skipped++;
      issues.push(
        issue({
          severity: 'error',
          code: 'required',
          message: `${rec.location}: the record names no client (Patient) and was not stored`,
        }),
      );
    }
  }
  return {
    clients: merge(clients),
    added: clients.reduce((n, c) => n + c.added, 0),
    unchanged: clients.reduce((n, c) => n + c.unchanged, 0),
    skipped,
    report: outcome(issues),
  };
}

/**
 * The entries of a record that are valid FHIR (base definitions and the profiles they claim);
 * each other one is left out and its errors reported with the record, the entry and the path.
 * A Consent that restricts sharing is kept even when it breaks a rule (its errors are reported as
 * warnings): leaving it out would let data travel that the client refused.
 */
function validEntries(
  flat: Bundle,
  location: string,
  deps: ImportDeps,
): { valid: Bundle; problems: OperationOutcomeIssue[] } {
  const problems: OperationOutcomeIssue[] = [];
  const entry = (flat.entry ?? []).filter((e, n) => {
    const errors = errorIssues(deps.validate(e.resource as Resource));
    const which = `${location} entry ${String(n + 1)} (${String(e.resource?.resourceType)})`;
    const keep =
      errors.length === 0 || (e.resource?.resourceType === 'Consent' && restrictsSharing(e.resource));
    const fate = keep ? 'kept, as a Consent that restricts sharing' : 'this entry was not stored';
    for (const i of errors)
      problems.push({
        ...i,
        ...(keep ? { severity: 'warning' as const } : {}),
        diagnostics: `${which}: ${i.diagnostics ?? 'invalid'}; ${fate}`,
      });
    return keep;
  });
  return { valid: { ...flat, entry }, problems };
}

interface Converted {
  format: string;
  records: { location: string; output: Bundle | Resource | Resource[] }[];
  issues: OperationOutcomeIssue[];
}

function convert(input: ImportInput, deps: ImportDeps): Converted {
  if (input.format.toLowerCase() === FHIR_FORMAT) {
    const json = parseJsonBytes(Buffer.from(input.bytes));
    if (!isRecord(json) || typeof json.resourceType !== 'string')
      throw new OperationOutcomeError(
        outcome([
          issue({
            code: 'structure',
            message: 'The input is not a FHIR resource',
            expression: 'resourceType',
          }),
        ]),
        400,
      );
    return {
      format: FHIR_FORMAT,
      records: [{ location: input.name ?? 'input', output: json as unknown as Resource }],
      issues: [],
    };
  }
  const adapter = deps.registry.get(input.format);
  if (!adapter)
    throw new OperationOutcomeError(
      notFound(`No such format; the formats are ${importFormats(deps.registry).join(', ')}`),
      404,
    );
  const batch = adapter.run(input.bytes, deps.context, input.maxBytes ? { maxBytes: input.maxBytes } : {});
  const real = (batch.report.issue ?? []).filter(
    (i) => !(i.severity === 'information' && i.diagnostics === 'All OK'),
  );
  return {
    format: adapter.format,
    records: batch.records.flatMap((r) =>
      r.output === undefined ? [] : [{ location: r.location, output: r.output }],
    ),
    issues: real,
  };
}

/** One line per client, whatever number of input records named it. */
function merge(list: readonly ClientImport[]): ClientImport[] {
  const byKey = new Map<string, ClientImport>();
  for (const c of list) {
    const known = byKey.get(c.clientKey);
    if (!known) byKey.set(c.clientKey, { ...c });
    else {
      known.added += c.added;
      known.unchanged += c.unchanged;
      if (c.provenance && !known.provenance) known.provenance = c.provenance;
    }
  }
  return [...byKey.values()];
}
