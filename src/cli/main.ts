/**
 * The `overdracht` command line. Each command lives in its own module; this file only
 * dispatches, so `overdracht --help` lists exactly what exists.
 */
import { commands } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`overdracht: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  return command.run(rest);
}

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `overdracht - referrals and warm handovers in Dutch mental-health care, on FHIR R4

Usage: overdracht <command> [options]

Commands:
${lines.join('\n')}

Run 'overdracht <command> --help' for the options of a command.
`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`overdracht: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
