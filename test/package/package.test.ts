/**
 * The FHIR package (profiles/package/) as a product: it is what the sources build to, it is
 * complete enough for other tools, its valid examples pass and its invalid examples fail where
 * they should - checked with Medplum's validator and with the project's own.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { OperationOutcome, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage, copySources } from '../../src/package/build.js';
import {
  DEFAULT_PACKAGE_DIR,
  PROJECT_ROOT,
  loadPackageIntoMedplum,
  readPackage,
  resourcesOfType,
  type PackageDefinitions,
} from '../../src/package/load.js';
import {
  applyInvalidExample,
  checkInvalidExample,
  errorIssues,
  readInvalidExamples,
  type InvalidExample,
  type Validate,
} from './invalid-examples.js';
import {
  MEDPLUM_FALSE_ERRORS,
  classifyMedplumError,
  medplumValidate,
  realMedplumErrors,
  requiredBindingViolations,
} from './medplum.js';

const REBUILD_HINT =
  'profiles/package/ is not what the sources build to: run `npx tsx src/cli/main.ts build-profiles` and commit profiles/package/';
const INVALID_DIR = join(PROJECT_ROOT, 'profiles', 'invalid');
const VALIDATOR_MODULE = join(PROJECT_ROOT, 'src', 'validation', 'index.ts');

const pkg = readPackage(DEFAULT_PACKAGE_DIR);
const invalidExamples = readInvalidExamples(INVALID_DIR);

/** Every file below `root`, dot files included, as sorted paths relative to `root`. */
function listFiles(root: string, dir: string = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(root, full));
    else out.push(relative(root, full));
  }
  return out.sort();
}

function profileOf(resource: Resource): string | undefined {
  return resource.meta?.profile?.[0];
}

describe('the committed package', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'overdracht-package-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('when the sources are built again, then the result is byte-identical to profiles/package/', () => {
    const { profilesDir, terminologyDir } = copySources(PROJECT_ROOT, scratch);
    const outDir = join(scratch, 'package');
    buildPackage({
      profilesDir,
      terminologyDir,
      outDir,
      fhirHome: join(PROJECT_ROOT, '.cache', 'fhir-home'),
    });
    const built = listFiles(outDir);
    expect(listFiles(DEFAULT_PACKAGE_DIR), REBUILD_HINT).toEqual(built);
    const differing = built.filter(
      (f) => readFileSync(join(outDir, f), 'utf8') !== readFileSync(join(DEFAULT_PACKAGE_DIR, f), 'utf8'),
    );
    expect(differing, REBUILD_HINT).toEqual([]);
  });

  it('when package.json is read, then it names the package, its version and fhirVersions 4.0.1', () => {
    expect(pkg.manifest.name).toBe('dev.overdracht.fhir');
    expect(pkg.manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(pkg.manifest.fhirVersions).toEqual(['4.0.1']);
  });

  it('when the StructureDefinitions are read, then each has a snapshot and a differential and the canonical URL of its id', () => {
    const sds = resourcesOfType(pkg.resources, 'StructureDefinition');
    expect(sds.length).toBeGreaterThan(0);
    const broken = sds.filter(
      (sd) =>
        !sd.snapshot?.element?.length ||
        !sd.differential?.element?.length ||
        sd.url !== `https://overdracht.dev/fhir/StructureDefinition/${sd.id ?? ''}`,
    );
    expect(broken.map((sd) => sd.id)).toEqual([]);
  });

  it('when the profiles are listed, then every profile has a valid example and at least two invalid examples', () => {
    const profiles = resourcesOfType(pkg.resources, 'StructureDefinition').filter(
      (sd) => sd.kind === 'resource' && sd.derivation === 'constraint',
    );
    const lacking = profiles
      .map((sd) => ({
        id: sd.id,
        valid: pkg.examples.filter((e) => profileOf(e.resource) === sd.url).length,
        invalid: invalidExamples.filter((e) => e.profile === sd.url).length,
      }))
      .filter((p) => p.valid < 1 || p.invalid < 2);
    expect(lacking).toEqual([]);
  });
});

describe('the examples with Medplum', () => {
  let defs: PackageDefinitions;
  beforeAll(() => {
    defs = loadPackageIntoMedplum(pkg);
  });

  function profile(url: string | undefined): StructureDefinition {
    const sd = url ? defs.profiles.get(url) : undefined;
    if (!sd) throw new Error(`profile ${String(url)} is not in the package`);
    return sd;
  }

  it('when every valid example is validated against its meta.profile, then Medplum reports no error but its known false ones', () => {
    const falseErrors = new Map<string, string[]>();
    const failures: string[] = [];
    for (const { file, resource } of pkg.examples) {
      const sd = profile(profileOf(resource));
      const outcome = medplumValidate(resource, sd);
      for (const i of outcome.issue ?? []) {
        const kind = classifyMedplumError(i, sd);
        if (kind) falseErrors.set(kind, [...(falseErrors.get(kind) ?? []), file]);
      }
      for (const i of realMedplumErrors(outcome, sd))
        failures.push(`${file}: ${i.expression?.[0] ?? ''} ${i.details?.text ?? ''}`);
    }
    expect(failures).toEqual([]);
    // The false errors seen must be the known ones; each kind's reason is in MEDPLUM_FALSE_ERRORS.
    for (const kind of falseErrors.keys()) expect(Object.keys(MEDPLUM_FALSE_ERRORS)).toContain(kind);
  });

  it('when the required bindings of the valid examples are collected, then every value is in its package ValueSet', () => {
    const violations = pkg.examples.flatMap(({ file, resource }) =>
      requiredBindingViolations(resource, profile(profileOf(resource)), defs).map((v) => `${file}: ${v}`),
    );
    expect(violations).toEqual([]);
  });

  describe.each(invalidExamples.map((e) => [e.name, e] as const))('invalid example %s', (_name, example) => {
    it('when its patch is applied to its base, then it applies cleanly', () => {
      const applied = applyInvalidExample(example, pkg);
      expect('errors' in applied ? applied.errors : []).toEqual([]);
    });

    it(`when Medplum validates it, then Medplum ${example.medplum === 'catches' ? 'rejects' : 'does not reject'} it`, () => {
      const applied = applyInvalidExample(example, pkg);
      if ('errors' in applied) throw new Error(applied.errors.join('; '));
      const sd = profile(example.profile);
      const real = realMedplumErrors(medplumValidate(applied.resource, sd), sd);
      if (example.medplum === 'catches') expect(real.length, 'marked "medplum: catches"').toBeGreaterThan(0);
      else
        expect(
          real.map((i) => i.details?.text),
          'marked "medplum: misses"',
        ).toEqual([]);
    });
  });
});

/** The project's validator, when src/validation/index.ts exists; imported dynamically so that this file compiles without it. */
async function projectValidator(): Promise<Validate | undefined> {
  if (!existsSync(VALIDATOR_MODULE)) return undefined;
  const modulePath = '../../src/validation/index.js';
  const mod = (await import(modulePath)) as {
    createValidator: (o?: { includeProjectPackage?: boolean; resources?: readonly unknown[] }) => {
      validate(resource: unknown, options?: { profiles?: readonly string[] }): OperationOutcome;
    };
  };
  const validator = mod.createValidator({
    includeProjectPackage: false,
    resources: pkg.resources.map((f) => f.resource),
  });
  return (resource, profileUrl) => validator.validate(resource, { profiles: [profileUrl] });
}

describe('the examples with the project validator', () => {
  let validate: Validate | undefined;
  beforeAll(async () => {
    validate = await projectValidator();
  });

  function requireValidator(skip: (note: string) => void): Validate {
    if (!validate) skip('src/validation/index.ts does not exist yet: the project validator is not checked');
    if (!validate) throw new Error('unreachable');
    return validate;
  }

  it('when every valid example is validated against its meta.profile, then there is no error', (ctx) => {
    const v = requireValidator((n) => ctx.skip(n));
    const failures = pkg.examples.flatMap(({ file, resource }) =>
      errorIssues(v(resource, profileOf(resource) ?? '')).map((i) => `${file}: ${i}`),
    );
    expect(failures).toEqual([]);
  });

  it.for(invalidExamples.map((e) => [e.name, e] as const))(
    'when invalid example %s is validated, then the error issues are exactly those expected',
    ([, example]: readonly [string, InvalidExample], ctx) => {
      const v = requireValidator((n) => ctx.skip(n));
      const applied = applyInvalidExample(example, pkg);
      if ('errors' in applied) throw new Error(applied.errors.join('; '));
      const result = checkInvalidExample(example, applied.resource, v);
      expect({ missing: result.missing, unexpected: result.unexpected }).toEqual({
        missing: [],
        unexpected: [],
      });
    },
  );
});
