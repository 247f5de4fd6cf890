/**
 * One assessment record (a CSV row or a JSON object) to a collection Bundle: the client, who
 * scored it, and one Observation per ZRM domain (ov-zrm-observation) and per Positive Health
 * dimension (ov-positive-health-observation) that holds a score. Every populated cell ends up in
 * the output or in the report: scores out of range, bad dates and identifiers are reported at
 * their cell, columns the spec does not know as unmapped.
 */
import type {
  Bundle,
  Observation,
  OperationOutcomeIssue,
  Organization,
  Patient,
  Practitioner,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { PROFILES, sd, SYSTEMS } from '../../fhir/codes.js';
import { outcome } from '../../fhir/outcomes.js';
import { isValidBsn } from '../../fhir/bsn.js';
import type { CoverageTracker } from '../coverage.js';
import {
  type ConversionContext,
  type ConversionResult,
  recordError,
  untranslatableIssue,
} from '../framework.js';
import { uuidFor } from '../ids.js';
import { parseDate } from '../tabular/dates.js';
import { type SourceCell, type TabularRecord, trackCells } from '../tabular/records.js';
import type { AssessmentField, AssessmentsSpec, InstrumentSpec, ItemSpec } from './spec.js';

const SURVEY = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/observation-category',
      code: 'survey',
      display: 'Survey',
    },
  ],
};

export interface DetailedResult extends ConversionResult {
  coverage: CoverageTracker;
}

/** What one conversion reads and writes; built per record. */
interface Run {
  spec: AssessmentsSpec;
  record: TabularRecord;
  ctx: ConversionContext;
  tracker: CoverageTracker;
  issues: OperationOutcomeIssue[];
  cells: Map<string, SourceCell>;
}

export function convertAssessment(
  record: TabularRecord,
  spec: AssessmentsSpec,
  ctx: ConversionContext,
): DetailedResult {
  const run: Run = { spec, record, ctx, tracker: trackCells(record), issues: [], cells: indexCells(record) };
  const output = buildBundle(run);
  const unmapped = run.tracker.unmappedIssues((location) =>
    location.includes('column') || location.includes('/')
      ? 'No mapping rule reads this field'
      : 'No mapping rule reads this record',
  );
  return { output, report: outcome([...run.issues, ...unmapped]), coverage: run.tracker };
}

/** First cell per field name, case-insensitively (a repeated JSON key cannot occur; CSV names are unique). */
function indexCells(record: TabularRecord): Map<string, SourceCell> {
  const map = new Map<string, SourceCell>();
  for (const cell of record.cells) {
    const key = cell.field.toLowerCase();
    if (!map.has(key)) map.set(key, cell);
  }
  return map;
}

function cellOf(run: Run, columns: readonly string[] | undefined): SourceCell | undefined {
  for (const c of columns ?? []) {
    const cell = run.cells.get(c.toLowerCase());
    if (cell) return cell;
  }
  return undefined;
}

function field(run: Run, name: AssessmentField): SourceCell | undefined {
  return cellOf(run, run.spec.fields[name]?.columns);
}

function buildBundle(run: Run): Bundle | undefined {
  const patient = readPatient(run);
  const effective = readDate(run);
  if (!patient || !effective) return leaveOut(run);
  const performers = readPerformers(run);
  const observations = run.spec.instruments.flatMap((inst) =>
    instrumentObservations(run, inst, patient, effective, performers),
  );
  if (observations.length === 0) {
    run.issues.push(
      recordError({
        location: run.record.location,
        message: 'The record holds no score that could be read; the record is left out',
      }),
    );
    return leaveOut(run);
  }
  const used = new Set(observations.flatMap((o) => (o.performer ?? []).map((p) => p.reference)));
  const resources: Resource[] = [
    patient.resource,
    ...performers.filter((p) => used.has(p.ref.reference)).map((p) => p.resource),
    ...observations,
  ];
  return {
    resourceType: 'Bundle',
    id: uuidFor('assessments', run.record.position),
    type: 'collection',
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id ?? ''}`, resource })),
  };
}

/** A record left out is reported once, by its error; its other cells are not listed one by one. */
function leaveOut(run: Run): undefined {
  for (const cell of run.record.cells)
    if (run.tracker.state(cell.location) === 'unmapped') run.tracker.markReported(cell.location);
  return undefined;
}

interface Made<T extends Resource> {
  resource: T;
  ref: Reference<T> & { reference: string };
}

function made<T extends Resource>(resource: T): Made<T> {
  return { resource, ref: { reference: `urn:uuid:${resource.id ?? ''}` } };
}

function idFor(run: Run, ...parts: string[]): string {
  return uuidFor('assessments', run.record.position, ...parts);
}

function fail(run: Run, cell: SourceCell | undefined, message: string): undefined {
  if (cell) run.tracker.markReported(cell.location);
  run.issues.push(recordError({ location: cell?.location ?? run.record.location, message }));
  return undefined;
}

function readPatient(run: Run): Made<Patient> | undefined {
  const cell = field(run, 'bsn');
  if (!cell) return fail(run, undefined, 'The record has no client BSN; the record is left out');
  if (!isValidBsn(cell.value))
    return fail(run, cell, 'The client BSN is not 9 digits passing the 11-check; the record is left out');
  run.tracker.use(cell.location);
  return made<Patient>({
    resourceType: 'Patient',
    id: idFor(run, 'Patient'),
    meta: { profile: [PROFILES.patient] },
    identifier: [{ system: SYSTEMS.bsn, value: cell.value }],
  });
}

function readDate(run: Run): string | undefined {
  const cell = field(run, 'date');
  if (!cell) return fail(run, undefined, 'The record has no assessment date; the record is left out');
  const date = parseDate(cell.value, run.spec.dateFormats, run.ctx.channel?.timeZone ?? 'Europe/Amsterdam');
  if (!date)
    return fail(
      run,
      cell,
      `The date is not in a declared format (${run.spec.dateFormats.join(', ')}); the record is left out`,
    );
  run.tracker.use(cell.location);
  return date;
}

function warn(run: Run, cell: SourceCell, message: string): void {
  run.tracker.markReported(cell.location);
  run.issues.push(untranslatableIssue({ location: cell.location, message }));
}

/** The assessor (a Practitioner by AGB) and the organisation (AGB, name and type), as far as given. */
function readPerformers(run: Run): Made<Practitioner | Organization>[] {
  const out: Made<Practitioner | Organization>[] = [];
  const agb = field(run, 'assessorAgb');
  if (agb && /^\d{8}$/.test(agb.value)) {
    run.tracker.use(agb.location);
    out.push(
      made<Practitioner>({
        resourceType: 'Practitioner',
        id: idFor(run, 'Practitioner'),
        meta: { profile: [sd('ov-practitioner')] },
        identifier: [{ system: SYSTEMS.agb, value: agb.value }],
      }),
    );
  } else if (agb) {
    warn(run, agb, 'The assessor AGB code is not 8 digits; the assessor is left out');
  }
  const organisation = readOrganisation(run);
  if (organisation) out.push(organisation);
  return out;
}

function readOrganisation(run: Run): Made<Organization> | undefined {
  const agb = field(run, 'organisationAgb');
  const name = field(run, 'organisationName');
  const typeCell = field(run, 'organisationType');
  const present = [agb, name, typeCell].filter((c): c is SourceCell => c !== undefined);
  if (present.length === 0) return undefined;
  const type = typeCell?.value ?? run.ctx.channel?.assessorOrganizationType;
  const typeKnown = type !== undefined && run.ctx.codeInSystem?.(SYSTEMS.organizationType, type) !== false;
  if (!agb || !/^\d{8}$/.test(agb.value) || !name || !typeKnown) {
    const why =
      typeCell && !typeKnown
        ? 'the organisation type is not a code of organization-type'
        : !typeCell && type === undefined
          ? 'no organisation type (column or channel setting assessorOrganizationType)'
          : 'an organisation needs an 8-digit AGB code and a name';
    for (const cell of present) warn(run, cell, `The organisation is left out: ${why}`);
    return undefined;
  }
  for (const cell of present) run.tracker.use(cell.location);
  return made<Organization>({
    resourceType: 'Organization',
    id: idFor(run, 'Organization'),
    meta: { profile: [sd('ov-organization')] },
    identifier: [{ system: SYSTEMS.agb, value: agb.value }],
    type: [{ coding: [{ system: SYSTEMS.organizationType, code: type }] }],
    name: name.value,
  });
}

function instrumentObservations(
  run: Run,
  inst: InstrumentSpec,
  patient: Made<Patient>,
  effective: string,
  performers: readonly Made<Practitioner | Organization>[],
): Observation[] {
  const scored = inst.items
    .map((item) => ({ item, cell: cellOf(run, item.columns) }))
    .filter((s): s is { item: ItemSpec; cell: SourceCell } => s.cell !== undefined);
  if (scored.length === 0) return [];
  const performer: Reference<Practitioner | Organization | Patient>[] =
    performers.length > 0 ? performers.map((p) => p.ref) : inst.selfReport ? [patient.ref] : [];
  if (performer.length === 0) {
    for (const s of scored)
      warn(
        run,
        s.cell,
        `A ${inst.name} score needs an assessor (AGB) or an organisation; the score is left out`,
      );
    return [];
  }
  return scored.flatMap(({ item, cell }) => {
    const value = scoreValue(run, inst, cell);
    if (!value) return [];
    run.tracker.use(cell.location);
    const observation: Observation = {
      resourceType: 'Observation',
      id: idFor(run, inst.name, item.code),
      meta: { profile: [inst.profile] },
      status: 'final',
      category: [SURVEY],
      code: { coding: [{ system: inst.codeSystem, code: item.code, display: item.display }] },
      subject: patient.ref,
      effectiveDateTime: effective,
      performer,
      ...value,
    };
    const note = cellOf(run, item.noteColumns);
    if (note) {
      run.tracker.use(note.location);
      observation.note = [{ text: note.value }];
    }
    return [observation];
  });
}

function scoreValue(run: Run, inst: InstrumentSpec, cell: SourceCell): Partial<Observation> | undefined {
  const v = inst.value;
  const n = /^\d{1,3}$/.test(cell.value) ? Number(cell.value) : NaN;
  if (!(n >= v.min && n <= v.max)) {
    warn(run, cell, `The score is not a whole number from ${v.min} to ${v.max}; this score is left out`);
    return undefined;
  }
  if (v.type === 'integer') return { valueInteger: n };
  return {
    valueCodeableConcept: { coding: [{ system: v.system, code: String(n), display: v.displays[n - v.min] }] },
  };
}
