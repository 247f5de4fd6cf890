import { join, resolve } from 'node:path';
import { buildPackage, copySources } from '../package/build.js';
import type { CliCommand } from './commands.js';

const USAGE = `overdracht build-profiles [--project DIR] [--scratch DIR]

  --project DIR   the project root holding profiles/ and terminology/ (default: .)
  --scratch DIR   copy the sources to DIR and build there (DIR/package), leaving profiles/package alone`;

export const buildProfilesCommand: CliCommand = {
  name: 'build-profiles',
  summary:
    'Compile profiles/ (FHIR Shorthand) and terminology/ into the FHIR package profiles/package/, offline',
  usage: USAGE,
  async run(args) {
    const project = resolve(optionValue(args, '--project') ?? '.');
    const scratch = optionValue(args, '--scratch');
    const fhirHome = join(project, '.cache', 'fhir-home');
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    if (scratch) {
      const dir = resolve(scratch);
      const { profilesDir, terminologyDir } = copySources(project, dir);
      const result = buildPackage({
        profilesDir,
        terminologyDir,
        outDir: join(dir, 'package'),
        fhirHome,
        log,
      });
      process.stdout.write(
        `Built ${join(dir, 'package')}: ${result.resources} conformance resources, ${result.examples} examples\n`,
      );
      return 0;
    }
    const result = buildPackage({
      profilesDir: join(project, 'profiles'),
      terminologyDir: join(project, 'terminology'),
      outDir: join(project, 'profiles', 'package'),
      fhirHome,
      log,
    });
    process.stdout.write(
      `Built profiles/package: ${result.resources} conformance resources, ${result.examples} examples\n`,
    );
    return 0;
  },
};

function optionValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
