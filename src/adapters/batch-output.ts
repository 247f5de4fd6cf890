/**
 * What a caller of a conversion keeps of a batch: one FHIR value for the whole input (the record's
 * own Bundle or resource, or a collection Bundle when the input held several records) and the
 * figures of its report. `overdracht convert` and `POST /fhir/convert/{format}` share these, so
 * the command and the HTTP route give the same answer for the same bytes.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { hasErrors } from '../fhir/outcomes.js';
import { ADAPTER_ISSUE, type BatchResult } from './framework.js';

/** The FHIR output of a batch; undefined when no record converted. */
export function batchOutput(batch: BatchResult): Bundle | Resource | undefined {
  const resources = batch.records.flatMap((r) =>
    r.output === undefined ? [] : Array.isArray(r.output) ? r.output : [r.output],
  );
  if (resources.length <= 1) return resources[0];
  // Several records: each output is an entry, in the order of the input.
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

export interface BatchFigures {
  records: number;
  /** Records without output. */
  failedRecords: number;
  /** Source fields no mapping rule used (`source-field-unmapped` issues of the report). */
  unmapped: number;
  /** The input did not convert cleanly: an error or fatal issue, or no output at all. */
  failed: boolean;
}

export function batchFigures(batch: BatchResult): BatchFigures {
  return {
    records: batch.records.length,
    failedRecords: batch.records.filter((r) => r.output === undefined).length,
    unmapped: (batch.report.issue ?? []).filter((i) =>
      i.details?.coding?.some((c) => c.code === ADAPTER_ISSUE.unmapped),
    ).length,
    failed: hasErrors(batch.report) || batchOutput(batch) === undefined,
  };
}
