/**
 * The parameters of a Parameters body, read before it is validated: `parameter` must be an array
 * of objects with a name, or the call is a 422 naming where it is not.
 * https://hl7.org/fhir/R4/parameters.html
 */
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { invalid, OperationOutcomeError } from './outcomes.js';
import { isRecord } from './records.js';

export type NamedParameter = ParametersParameter & { name: string };

export function parameterList(body: Parameters): NamedParameter[] {
  const list: unknown = body.parameter ?? [];
  if (!Array.isArray(list))
    throw new OperationOutcomeError(invalid('Parameters.parameter is an array', 'Parameters.parameter'), 422);
  list.forEach((p: unknown, i) => {
    if (!isRecord(p) || typeof p.name !== 'string')
      throw new OperationOutcomeError(
        invalid('A parameter is an object with a name', `Parameters.parameter[${String(i)}]`),
        422,
      );
  });
  return list as NamedParameter[];
}

/** A string value, or undefined when it is absent or of another JSON type. */
export function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
