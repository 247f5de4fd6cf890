/** The registry of CLI commands. A new command is a module exporting a `CliCommand`, added here. */
import { buildProfilesCommand } from './build-profiles.js';
import { convertCommand } from './convert.js';
import { jobCommand } from './job.js';
import { importCommand } from './import.js';
import { reindexCommand } from './reindex.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';
import { validateCommand } from './validate.js';

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export const commands: CliCommand[] = [
  buildProfilesCommand,
  validateCommand,
  convertCommand,
  jobCommand,
  importCommand,
  reindexCommand,
  serveCommand,
  tokenCommand,
];
