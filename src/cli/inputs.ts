/** What the commands that read files share: the error of an unusable argument and the input list. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** An argument or input the command cannot use: exit status 2 with the usage. */
export class InputError extends Error {}

/** The input files: the file itself, or a directory's visible files in name order. */
export function listInputs(path: string, verb: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new InputError(`cannot read ${path}: no such file or directory`);
  }
  if (!isDirectory) return [path];
  const files = readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .map((d) => join(path, d.name))
    .sort();
  if (files.length === 0) throw new InputError(`${path} holds no file to ${verb}`);
  return files;
}
