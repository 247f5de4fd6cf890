/**
 * Reading the Parameters body of a workflow operation. Every parameter the operation does not
 * know, or with the wrong value type, is a 422 naming it (`Parameters.parameter[2]`): nothing a
 * caller sent is dropped without a word.
 */
import type { CodeableConcept, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { Request } from 'express';
import { invalid, issue, outcome, OperationOutcomeError } from '../../fhir/outcomes.js';
import { parameterList, stringValue } from '../../fhir/parameters.js';
import { isRecord } from '../../fhir/records.js';
import { readFhirJson } from '../body.js';

export type ValueKind = 'string' | 'reason' | 'code' | 'identifier' | 'resource';

export interface ReadParameter {
  name: string;
  path: string;
  string?: string;
  reason?: string | CodeableConcept;
  identifier?: { system: string; value: string };
  resource?: unknown;
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The value of `p` as `kind` asks, read before validation: of the wrong JSON type it is none. */
function valueOf(p: ParametersParameter, kind: ValueKind): Omit<ReadParameter, 'name' | 'path'> | undefined {
  switch (kind) {
    case 'string': {
      const value = stringValue(p.valueString);
      return value !== undefined ? { string: value } : undefined;
    }
    case 'reason': {
      const value =
        stringValue(p.valueString) ?? (isRecord(p.valueCodeableConcept) ? p.valueCodeableConcept : undefined);
      return value !== undefined ? { reason: value } : undefined;
    }
    case 'code': {
      const coding: unknown = p.valueCoding;
      const value =
        stringValue(p.valueCode) ??
        (isRecord(coding) ? stringValue(coding.code) : undefined) ??
        stringValue(p.valueString);
      return value !== undefined ? { string: value } : undefined;
    }
    case 'identifier': {
      const reference: unknown = p.valueReference;
      const id: unknown = p.valueIdentifier ?? (isRecord(reference) ? reference.identifier : undefined);
      if (!isRecord(id)) return undefined;
      const system = stringValue(id.system);
      const value = stringValue(id.value);
      return system && value ? { identifier: { system, value } } : undefined;
    }
    case 'resource':
      return isRecord(p.resource) ? { resource: p.resource } : undefined;
    default:
      return kind satisfies never;
  }
}

const EXPECTED: Record<ValueKind, string> = {
  string: 'a valueString',
  reason: 'a valueString or a valueCodeableConcept',
  code: 'a valueCode',
  identifier: 'a valueIdentifier with system and value (AGB or URA)',
  resource: 'a resource',
};

/** The parameters of the body (none without a body), each checked against `accepts`. */
export async function readParameters(
  req: Request,
  limit: number,
  accepts: Readonly<Record<string, ValueKind>>,
): Promise<ReadParameter[]> {
  if (!hasBody(req)) return [];
  const body = await readFhirJson(req, limit);
  if (
    !body ||
    typeof body !== 'object' ||
    (body as { resourceType?: unknown }).resourceType !== 'Parameters'
  ) {
    throw new OperationOutcomeError(
      invalid('The body of this operation is a Parameters resource', 'resourceType'),
      422,
    );
  }
  const read: ReadParameter[] = [];
  const names = Object.keys(accepts);
  const problems = parameterList(body as Parameters).flatMap((param, i) => {
    const path = `Parameters.parameter[${i}]`;
    const kind = Object.hasOwn(accepts, param.name) ? accepts[param.name] : undefined;
    if (!kind)
      return [
        issue({
          code: 'not-supported',
          message: `Unknown parameter '${param.name}'; this operation takes ${names.length ? names.join(', ') : 'none'}`,
          expression: `${path}.name`,
        }),
      ];
    const value = valueOf(param, kind);
    if (!value)
      return [
        issue({ code: 'invalid', message: `'${param.name}' takes ${EXPECTED[kind]}`, expression: path }),
      ];
    read.push({ name: param.name, path: kind === 'resource' ? `${path}.resource` : path, ...value });
    return [];
  });
  if (problems.length > 0) throw new OperationOutcomeError(outcome(problems), 422);
  return read;
}

/** The one value of a parameter, if sent; sent twice is a 422. */
export function single(params: readonly ReadParameter[], name: string): ReadParameter | undefined {
  const found = params.filter((p) => p.name === name);
  const second = found[1];
  if (second) throw new OperationOutcomeError(invalid(`'${name}' may be given once`, second.path), 422);
  return found[0];
}
