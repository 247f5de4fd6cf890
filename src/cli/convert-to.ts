/**
 * `overdracht convert --to FORMAT FILE`: FHIR JSON (a referral message, a feedback document) to what
 * an integrator's system reads, with the writers of `POST /fhir/convert/to/{format}`. The output goes
 * to stdout or `--out FILE`; the report (what the target cannot carry, by FHIRPath) to stderr.
 * Exit 0 written, 1 not written (the report says why), 2 unusable arguments or unreadable input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import { createConversionContext } from '../adapters/index.js';
import { createWriterRegistry } from '../adapters/outbound/index.js';
import { parseJsonBytes } from '../fhir/json.js';
import { createTerminologyService } from '../terminology/service.js';

export const CONVERT_TO_USAGE = `overdracht convert --to FORMAT FILE [--out FILE] [--channel KEY=VALUE]...

  --to FORMAT          the target format: hl7v2 (REF^I12), hl7v2-feedback (ORU^R01), iwmo-ijw (315),
                       edifact (EDIFACT letter), edifact-feedback (EDIFACT terugrapportage),
                       letter (HTML), letter-pdf; FILE is FHIR JSON (a referral message or a
                       feedback document)
  --out FILE           write the output there instead of to stdout
  --channel KEY=VALUE  what FHIR has no element for, e.g. municipalityCode=0014 for a 315,
                       syntax=UNOW for UTF-8 EDIFACT`;

interface Args {
  format: string;
  input: string;
  out?: string;
  channel: Record<string, string>;
}

function parse(argv: readonly string[]): Args | string {
  const args: Args = { format: '', input: '', channel: {} };
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      paths.push(arg);
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) return `${arg} needs a value`;
    if (arg === '--to') args.format = value;
    else if (arg === '--out') args.out = value;
    else if (arg === '--channel') {
      const eq = value.indexOf('=');
      if (eq <= 0) return '--channel needs KEY=VALUE';
      args.channel[value.slice(0, eq)] = value.slice(eq + 1);
    } else return `unknown option ${arg}`;
  }
  if (paths.length !== 1) return `one FILE is needed, not ${paths.length}`;
  args.input = paths[0] ?? '';
  return args;
}

export function convertTo(argv: readonly string[]): number {
  const args = parse(argv);
  if (typeof args === 'string') {
    process.stderr.write(`overdracht convert: ${args}\n\n${CONVERT_TO_USAGE}\n`);
    return 2;
  }
  const registry = createWriterRegistry();
  const writer = registry.get(args.format);
  if (!writer) {
    const formats = registry.formats().map((w) => w.format);
    process.stderr.write(
      `overdracht convert: unknown format '${args.format}'; one of ${formats.join(', ')}\n`,
    );
    return 2;
  }
  let input: Resource;
  try {
    input = parseJsonBytes(readFileSync(args.input)) as Resource;
  } catch {
    process.stderr.write(`overdracht convert: ${args.input} cannot be read as FHIR JSON\n`);
    return 2;
  }
  const ctx = createConversionContext({ channel: args.channel, terminology: createTerminologyService() });
  const written = writer.write(input, ctx);
  for (const i of written.report.issue ?? []) {
    if (i.diagnostics === 'All OK') continue;
    process.stderr.write(
      `${i.severity}: ${i.diagnostics ?? ''}${i.expression ? ` (${i.expression.join(', ')})` : ''}\n`,
    );
  }
  if (written.output === undefined) return 1;
  const bytes = typeof written.output === 'string' ? Buffer.from(written.output, 'utf8') : written.output;
  if (args.out) writeFileSync(args.out, bytes);
  else process.stdout.write(bytes);
  return 0;
}
