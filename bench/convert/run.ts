/**
 * `npm run bench:convert`: messages per second per format on one core - the whole conversion
 * (parse, map, report) against its floor, the plain parse of the same bytes - printed as a ratio
 * of two figures measured in the same run. Every format of the adapter registry takes part, with a
 * fixture found for it (fixtures.ts); the writers of /fhir/convert/to join with their inputs
 * against JSON.stringify of the same resource.
 *
 *   npm run bench:convert [-- --seconds 2]
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { createAdapterRegistry, createConversionContext } from '../../src/adapters/index.js';
import { createWriterRegistry } from '../../src/adapters/outbound/index.js';
import { referralMessage } from '../../src/demo/referral.js';
import { createTerminologyService } from '../../src/terminology/service.js';
import { fixtureFor } from './fixtures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 0.5;
/** Conversion and floor are measured in turns, the median of each kept: load on the machine hits both. */
const ROUNDS = 5;

/** Operations per second: warm up for a third of the time, then count whole runs until the time is up. */
function perSecond(fn: () => unknown): number {
  const warmUntil = performance.now() + (SECONDS * 1000) / 3;
  while (performance.now() < warmUntil) fn();
  let n = 0;
  const start = performance.now();
  const until = start + SECONDS * 1000;
  while (performance.now() < until) {
    fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Rates of a conversion and its floor, measured in alternating rounds. */
function paired(conversion: () => unknown, floor: () => unknown): [number, number] {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(perSecond(conversion));
    b.push(perSecond(floor));
  }
  return [median(a), median(b)];
}

interface Row {
  direction: string;
  format: string;
  input: string;
  rate: number;
  floorName: string;
  floor: number;
}

const rows: Row[] = [];
const ctx = createConversionContext({
  terminology: createTerminologyService(),
  channel: {
    referralCategory: 'ggz-basic',
    senderOrganizationType: 'gp-practice',
    receiverOrganizationType: 'ggz-institution',
    municipalityCode: '0014',
  },
});

for (const adapter of createAdapterRegistry().formats()) {
  const fixture = fixtureFor(adapter, ctx, root);
  if (!fixture) {
    process.stderr.write(`${adapter.format}: no fixture converts; left out\n`);
    continue;
  }
  const records = fixture.run().records.length;
  // A record is a message (or a row, a client); the floor's rate is counted in the same records.
  const [rate, floorRate] = paired(fixture.run, fixture.floor);
  rows.push({
    direction: 'in',
    format: adapter.format,
    input: fixture.label,
    rate: rate * records,
    floorName: fixture.floorName,
    floor: floorRate * records,
  });
}

const inputs: Record<string, { name: string; resource: Resource }> = {
  hl7v2: { name: 'demo referral message', resource: referralMessage() },
  'iwmo-ijw': {
    name: 'demo referral message (youth-ggz)',
    resource: referralMessage({ category: 'youth-ggz' }),
  },
  'hl7v2-feedback': {
    name: 'test/adapters/outbound/fixtures/feedback-intake.json',
    resource: JSON.parse(
      readFileSync(join(root, 'test/adapters/outbound/fixtures/feedback-intake.json'), 'utf8'),
    ) as Resource,
  },
};
inputs.letter = inputs['hl7v2-feedback'] ?? inputs.hl7v2!;
inputs['letter-pdf'] = inputs.letter;
for (const writer of createWriterRegistry().formats()) {
  const input = inputs[writer.format];
  if (!input || writer.write(input.resource, ctx).output === undefined) {
    process.stderr.write(`to ${writer.format}: no input writes; left out\n`);
    continue;
  }
  const [rate, floor] = paired(
    () => writer.write(input.resource, ctx),
    () => JSON.stringify(input.resource),
  );
  rows.push({
    direction: 'out',
    format: writer.format,
    input: input.name,
    rate,
    floorName: 'JSON.stringify',
    floor,
  });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const header = ['direction', 'format', 'messages/s', 'floor', 'floor/s', 'floor ÷ conversion', 'input'];
const table = rows.map((r) => [
  r.direction,
  r.format,
  fmt(r.rate),
  r.floorName,
  fmt(r.floor),
  `${(r.floor / r.rate).toFixed(1)}x`,
  r.input,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? '').length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
process.stdout.write(
  `bench:convert - one core, medians of ${ROUNDS} alternating rounds of ${SECONDS} s after warm-up, node ${process.version}\n\n`,
);
process.stdout.write(
  `${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${table.map(line).join('\n')}\n`,
);
