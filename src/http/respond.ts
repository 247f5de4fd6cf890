/** Writing FHIR responses: every body is FHIR JSON, every error an OperationOutcome. */
import type { Response } from 'express';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { httpStatus } from '../fhir/outcomes.js';

export const FHIR_JSON_TYPE = 'application/fhir+json; charset=utf-8';

/**
 * JSON with `resourceType` first in every resource, as FHIR JSON is customarily written; the
 * database hands resources back with their keys in its own order.
 */
export function fhirJson(resource: Resource): string {
  return JSON.stringify(resource, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && 'resourceType' in value) {
      const { resourceType, ...rest } = value as { resourceType: unknown };
      return { resourceType, ...rest };
    }
    return value;
  });
}

export function sendResource(
  res: Response,
  status: number,
  resource: Resource,
  headers: Record<string, string> = {},
): void {
  res
    .status(status)
    .set({ 'Content-Type': FHIR_JSON_TYPE, ...headers })
    .send(fhirJson(resource));
}

export function sendOutcome(res: Response, outcome: OperationOutcome, status = httpStatus(outcome)): void {
  sendResource(res, status, outcome);
}
