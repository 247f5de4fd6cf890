/**
 * The HL7 v2 mapping engine: it runs a declarative spec (mappings/hl7v2/) over one parsed
 * message. Resource rules make a resource per matching segment, field rules fill it through the
 * datatype converters, element rules put child segments (NTE) into their owner's resource,
 * reference rules link the resources, and the summary Composition collects what the message
 * carries. Every leaf a written value came from is marked used; everything else populated ends
 * in the report, by construction.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { outcome } from '../../fhir/outcomes.js';
import type { CoverageTracker } from '../coverage.js';
import { type ConversionResult, recordError } from '../framework.js';
import { assemble } from './engine/bundle.js';
import { applyElements, buildResources } from './engine/fields.js';
import { commit, declareStructural, registerLeaves } from './engine/leaves.js';
import { enforceRequired, linkAll } from './engine/links.js';
import { type EngineDeps, live, startRun } from './engine/run.js';
import { buildSummary } from './engine/summary.js';
import type { Hl7v2Spec } from './spec.js';
import type { Hl7Message } from './types.js';

export interface DetailedResult extends ConversionResult {
  coverage: CoverageTracker;
}

export function convertMessage(message: Hl7Message, deps: EngineDeps): DetailedResult {
  const coverage = registerLeaves(message, deps.structure);
  declareStructural(message, deps.spec, coverage);
  const refusal = acceptProblem(message, deps.spec);
  if (refusal) return { output: undefined, report: outcome([refusal]), coverage };
  const run = startRun(message, deps);
  for (const rule of deps.spec.resources) buildResources(run, rule);
  for (const rule of deps.spec.elements) applyElements(run, rule);
  // Links inside a record first (a coverage and its insurer), so that what a resource requires
  // can be checked before anything else links to it.
  linkAll(run, (scope) => scope !== 'message');
  enforceRequired(run);
  linkAll(run, (scope) => scope === 'message');
  for (const d of run.drafts) if (d.rule.lazy && !d.referenced) d.dropped = true;
  const missing = deps.spec.bundle.required.find((r) => !live(run).some((d) => d.rule.name === r.rule));
  if (missing) {
    const segment = deps.spec.resources.find((r) => r.name === missing.rule)?.segment ?? 'MSH';
    return {
      output: undefined,
      report: outcome([recordError({ location: segment, message: missing.message }, 'required')]),
      coverage,
    };
  }
  buildSummary(run);
  const issues = commit(run, coverage);
  const bundle = assemble(run);
  const unmapped = coverage.unmappedIssues((loc) => `${deps.structure.describe(loc)}: not mapped`);
  return { output: bundle, report: outcome([...issues, ...unmapped]), coverage };
}

function acceptProblem(message: Hl7Message, spec: Hl7v2Spec): OperationOutcomeIssue | undefined {
  const type = `${message.messageCode}^${message.triggerEvent}`;
  if (!spec.accept.messageTypes.includes(type)) {
    return recordError(
      {
        location: 'MSH-9',
        message: `Message type ${type} is not read by this mapping (${spec.accept.messageTypes.join(', ')})`,
      },
      'not-supported',
    );
  }
  if (!spec.accept.versions.includes(message.version)) {
    return recordError(
      {
        location: 'MSH-12',
        message: `HL7 version ${message.version} is not read by this mapping (${spec.accept.versions.join(', ')})`,
      },
      'not-supported',
    );
  }
  return undefined;
}
