/**
 * `$validate` at system and type level: validation only, the OperationOutcome back (200, as the
 * operation defines; errors are in the outcome). https://hl7.org/fhir/R4/resource-operation-validate.html
 */
import type { OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { invalid, OperationOutcomeError } from '../../fhir/outcomes.js';
import { parameterList, stringValue } from '../../fhir/parameters.js';
import { readFhirJson } from '../body.js';
import { sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface ValidateDeps {
  validate(resource: unknown, profiles: readonly string[]): OperationOutcome;
  bodyLimitBytes: number;
  /** Resource types the type-level route is offered for. */
  types: readonly string[];
}

/** The resource and profile of a $validate call: a bare resource, or Parameters(resource, profile). */
function unwrap(body: unknown, query: Record<string, unknown>): { resource: unknown; profiles: string[] } {
  const profiles = typeof query.profile === 'string' ? [query.profile] : [];
  if (
    body &&
    typeof body === 'object' &&
    (body as { resourceType?: unknown }).resourceType === 'Parameters'
  ) {
    const params = parameterList(body as Parameters);
    const resource = params.find((p) => p.name === 'resource')?.resource;
    if (!resource)
      throw new OperationOutcomeError(
        invalid("Parameters must have a 'resource' parameter", 'Parameters.parameter'),
        400,
      );
    const given = params.find((p) => p.name === 'profile');
    const profile = stringValue(given?.valueUri) ?? stringValue(given?.valueCanonical);
    return { resource, profiles: profile ? [...profiles, profile] : profiles };
  }
  return { resource: body, profiles };
}

export function validateRoutes(deps: ValidateDeps): FhirRoute[] {
  const system: FhirRoute = {
    method: 'post',
    path: '/\\$validate',
    operation: {
      name: 'validate',
      level: 'system',
      definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
    },
    scope: { type: '*', interaction: 'r' },
    async handler({ req, res }) {
      const { resource, profiles } = unwrap(await readFhirJson(req, deps.bodyLimitBytes), req.query);
      sendResource(res, 200, deps.validate(resource, profiles));
    },
  };
  const typed: FhirRoute[] = deps.types.map((type) => ({
    method: 'post',
    path: `/${type}/\\$validate`,
    operation: {
      name: 'validate',
      level: 'type',
      type,
      definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
    },
    scope: { type, interaction: 'r' },
    async handler({ req, res }) {
      const { resource, profiles } = unwrap(await readFhirJson(req, deps.bodyLimitBytes), req.query);
      const actual = (resource as { resourceType?: unknown } | null)?.resourceType;
      if (actual !== type) {
        sendResource(res, 200, {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'invalid',
              expression: ['resourceType'],
              diagnostics: `Expected a ${type}, got ${String(actual)}`,
            },
          ],
        });
        return;
      }
      sendResource(res, 200, deps.validate(resource, profiles));
    },
  }));
  return [system, ...typed];
}
