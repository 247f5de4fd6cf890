/**
 * Reading the Parameters body of a workflow operation. Every parameter the operation does not
 * know, or with the wrong value type, is a 422 naming it (`Parameters.parameter[2]`): nothing a
 * caller sent is dropped without a word.
 */
import type { CodeableConcept, Identifier, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { Request } from 'express';
import { invalid, issue, outcome, OperationOutcomeError } from '../../fhir/outcomes.js';
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

function valueOf(p: ParametersParameter, kind: ValueKind): Omit<ReadParameter, 'name' | 'path'> | undefined {
  switch (kind) {
    case 'string':
      return p.valueString !== undefined ? { string: p.valueString } : undefined;
    case 'reason': {
      const value = p.valueString ?? p.valueCodeableConcept;
      return value !== undefined ? { reason: value } : undefined;
    }
    case 'code': {
      const value = p.valueCode ?? p.valueCoding?.code ?? p.valueString;
      return value !== undefined ? { string: value } : undefined;
    }
    case 'identifier': {
      const id: Identifier | undefined = p.valueIdentifier ?? p.valueReference?.identifier;
      return id?.system && id.value ? { identifier: { system: id.system, value: id.value } } : undefined;
    }
    case 'resource':
      return p.resource !== undefined ? { resource: p.resource } : undefined;
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
  const problems = ((body as Parameters).parameter ?? []).flatMap((p, i) => {
    const path = `Parameters.parameter[${i}]`;
    const kind = accepts[p.name];
    const names = Object.keys(accepts);
    if (!kind)
      return [
        issue({
          code: 'not-supported',
          message: `Unknown parameter '${p.name}'; this operation takes ${names.length ? names.join(', ') : 'none'}`,
          expression: `${path}.name`,
        }),
      ];
    const value = valueOf(p, kind);
    if (!value)
      return [issue({ code: 'invalid', message: `'${p.name}' takes ${EXPECTED[kind]}`, expression: path })];
    read.push({ name: p.name, path: kind === 'resource' ? `${path}.resource` : path, ...value });
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
