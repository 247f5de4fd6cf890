/** Writing FHIR responses: every body is FHIR JSON, every error an OperationOutcome. */
import type { Response } from 'express';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { httpStatus } from '../fhir/outcomes.js';

export const FHIR_JSON_TYPE = 'application/fhir+json; charset=utf-8';

export function sendResource(res: Response, status: number, resource: Resource, headers: Record<string, string> = {}): void {
  res.status(status).set({ 'Content-Type': FHIR_JSON_TYPE, ...headers }).send(JSON.stringify(resource));
}

export function sendOutcome(res: Response, outcome: OperationOutcome, status = httpStatus(outcome)): void {
  sendResource(res, status, outcome);
}
