import { describe, expect, it } from 'vitest';
import {
  badRequest,
  conflict,
  hasErrors,
  httpStatus,
  invalid,
  normalizeError,
  OperationOutcomeError,
  outcome,
  issue,
} from '../../src/fhir/outcomes.js';

describe('outcomes', () => {
  it('when an outcome has no error, then it is 200 and has no errors', () => {
    const o = outcome([issue({ severity: 'warning', code: 'code-invalid', message: 'w' })]);
    expect(hasErrors(o)).toBe(false);
    expect(httpStatus(o)).toBe(200);
  });

  it('when the first error is structural, then it is 400; invalid is 422; conflict is 409', () => {
    expect(httpStatus(badRequest('x'))).toBe(400);
    expect(httpStatus(invalid('x', 'Patient.gender'))).toBe(422);
    expect(httpStatus(conflict('x'))).toBe(409);
  });

  it('when an unknown error is normalised, then its message does not leak', () => {
    const { outcome: o, status } = normalizeError(new Error('secret table name'));
    expect(status).toBe(500);
    expect(JSON.stringify(o)).not.toContain('secret');
  });

  it('when an OperationOutcomeError is normalised, then its outcome and status survive', () => {
    const err = new OperationOutcomeError(invalid('bad', 'Patient.birthDate'));
    const { outcome: o, status } = normalizeError(err);
    expect(status).toBe(422);
    expect(o.issue?.[0]?.expression).toEqual(['Patient.birthDate']);
  });
});
