/**
 * The ZorgDomein mapping engine: one FHIR document Bundle (Composition first) in, one overdracht
 * referral message out. The source is FHIR already, so most of the mapping is choosing which
 * elements of which resources travel (the spec's `copy` lists), giving every resource a
 * deterministic id and rewriting references to it, adding codes through ConceptMaps, and putting
 * the document's sections where the referral message keeps them: the reason, the question and
 * the client's request in the ServiceRequest, the rest in the ten sections of the summary.
 * Every leaf a written value came from is marked used; everything else ends in the report.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { outcome } from '../../fhir/outcomes.js';
import type { CoverageTracker } from '../coverage.js';
import { type ConversionContext, type ConversionResult, recordError } from '../framework.js';
import { convertEntry } from './copy.js';
import { assignIds, checkShape, documentEvent, startRun } from './document.js';
import { assemble } from './message.js';
import type { ZdDocument } from './parse.js';
import { connect } from './parts.js';
import { completeReferral } from './referral.js';
import { type Run, typeOf } from './run.js';
import { readSections } from './sections.js';
import { definitionPath, registerLeaves } from './source.js';
import type { ZorgdomeinSpec } from './spec.js';
import { addSections, completeSummary } from './summary.js';

export interface DetailedResult extends ConversionResult {
  coverage: CoverageTracker | undefined;
}

export function convertDocument(
  doc: ZdDocument,
  spec: ZorgdomeinSpec,
  ctx: ConversionContext,
  maxLeaves: number,
): DetailedResult {
  const coverage = registerLeaves(doc.bundle, doc.base, maxLeaves);
  if (!coverage) {
    return fail(
      undefined,
      recordError(
        { location: doc.base, message: `The document has more than ${maxLeaves} values` },
        'too-costly',
      ),
    );
  }
  const run = startRun(doc, spec, ctx);
  const problem = checkShape(run);
  if (problem) return fail(coverage, problem);
  const event = documentEvent(run);
  if (!event) {
    return fail(
      coverage,
      recordError(
        {
          location: `${run.entries[0]?.location ?? doc.base}.type`,
          message: 'The document type is not one this mapping reads (referral letter)',
        },
        'not-supported',
      ),
    );
  }
  assignIds(run);
  for (const entry of run.entries) if (entry.rule) convertEntry(run, entry);
  const parts = connect(run);
  if ('problem' in parts) return fail(coverage, parts.problem);
  readSections(run, parts);
  completeSummary(parts);
  completeReferral(run, parts);
  addSections(run, parts);
  const bundle = assemble(run, event, parts);
  if ('problem' in bundle) return fail(coverage, bundle.problem);
  declareStructural(run, coverage);
  run.used.forEach((k) => coverage.use(k));
  run.reported.forEach((k) => coverage.markReported(k));
  const unmapped = coverage.unmappedIssues(
    (location) => `${definitionPath(location, doc.base, (i) => typeOf(run, i))}: not mapped`,
  );
  return { output: bundle.bundle, report: outcome([...run.issues, ...unmapped]), coverage };
}

function fail(coverage: CoverageTracker | undefined, problem: OperationOutcomeIssue): DetailedResult {
  return { output: undefined, report: outcome([problem]), coverage };
}

/** Structural leaves: read to interpret the document (declared in the spec), they are not data. */
function declareStructural(run: Run, coverage: CoverageTracker): void {
  const declared = new Set(run.spec.structural);
  // An entry that is not converted keeps its resource whole, so the report names it once.
  const skipped = new Set(run.entries.filter((e) => !e.outId).map((e) => e.index));
  const entryPrefix = `${run.doc.base}.entry[`;
  for (const leaf of coverage.allLeaves()) {
    const inResource = leaf.key.startsWith(entryPrefix)
      ? /^(\d+)\]\.resource[.[]/.exec(leaf.key.slice(entryPrefix.length))
      : null;
    if (inResource && skipped.has(Number(inResource[1]))) continue;
    const path = definitionPath(leaf.key, run.doc.base, (i) => typeOf(run, i));
    const generic = path.replace(/^[A-Z][A-Za-z]*\./, 'Resource.');
    if (isDeclared(declared, path) || isDeclared(declared, generic)) coverage.declareStructural(leaf.key);
  }
}

/** The spec names elements; every leaf inside a declared element is structural. */
function isDeclared(declared: ReadonlySet<string>, path: string): boolean {
  for (let end = path.length; end > 0; end = path.lastIndexOf('.', end - 1)) {
    if (declared.has(path.slice(0, end))) return true;
  }
  return false;
}
