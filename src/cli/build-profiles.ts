import { join, resolve } from 'node:path';
import { buildPackage } from '../package/build.js';
import type { CliCommand } from './commands.js';

export const buildProfilesCommand: CliCommand = {
  name: 'build-profiles',
  summary: 'Compile profiles/ (FHIR Shorthand) and terminology/ into the FHIR package profiles/package/, offline',
  usage: 'overdracht build-profiles [PROJECT_DIR]',
  async run(args) {
    const root = resolve(args[0] ?? '.');
    const result = buildPackage({
      profilesDir: join(root, 'profiles'),
      terminologyDir: join(root, 'terminology'),
      outDir: join(root, 'profiles', 'package'),
      fhirHome: join(root, '.cache', 'fhir-home'),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`Built profiles/package: ${result.resources} conformance resources, ${result.examples} examples\n`);
    return 0;
  },
};
