/**
 * The export's page step alone, without a database: the bench:export resources as JSON text, in
 * pages of 1,000, through `transformPage` (parse, pseudonymise, stringify). Resources per second
 * and microseconds of CPU time per resource, for the parse and stringify alone and for the whole step, so a
 * change to the engine can be measured in isolation on one core.
 *
 *   npx tsx bench/export/engine.ts [--resources 50000] [--rounds 5]
 */
import { join } from 'node:path';
import { projectRoot } from '../../src/config/load.js';
import { forEachLine, pageOf, transformPage, type ExportPage } from '../../src/export/pages.js';
import {
  codeSystemDisplays,
  coarsenAreas,
  countClientsPerArea,
  readDemoKeyRing,
  readPolicyFile,
} from '../../src/export/pseudonymise/index.js';
import { createTerminologyService } from '../../src/terminology/service.js';
import { clientResources, RESOURCES_PER_CLIENT } from './data.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const RESOURCES = Number(arg('resources', '50000'));
const ROUNDS = Number(arg('rounds', '5'));
const PAGE = 1000;

const policy = readPolicyFile(join(projectRoot(), 'config', 'export-policies', 'regioplatform-noord.yaml'));
const keys = readDemoKeyRing('demo-platform-pseudonym');
const terminology = createTerminologyService();

const resources: Record<string, unknown>[] = [];
for (let c = 0; c < RESOURCES / RESOURCES_PER_CLIENT; c++) resources.push(...clientResources(c));
// As the export reads them: one type at a time, ordered by id.
resources.sort(
  (a, b) =>
    String(a.resourceType).localeCompare(String(b.resourceType)) || String(a.id).localeCompare(String(b.id)),
);
const pages: ExportPage[] = [];
for (let i = 0; i < resources.length; i += PAGE)
  pages.push(pageOf(resources.slice(i, i + PAGE).map((r) => JSON.stringify(r))));
const displayOf = codeSystemDisplays((url) => terminology.getCodeSystem(url));
const postcodeAreas = coarsenAreas(
  countClientsPerArea(resources.filter((r) => r.resourceType === 'Patient')),
  policy.postcode,
);
/** One options object per export, as the export makes one per job: each round starts with empty memos. */
let options = { displayOf, postcodeAreas };
/**
 * Resources per second of CPU time (user and system, this process): on a shared machine the
 * wall clock also counts the time other work held the core.
 */
function timed(step: (page: ExportPage) => number): { perSecond: number; out: number } {
  const start = process.cpuUsage();
  let out = 0;
  for (const page of pages) out += step(page);
  const used = process.cpuUsage(start);
  return { perSecond: resources.length / ((used.user + used.system) / 1e6), out };
}

const parseStringify = (page: ExportPage): number => {
  let s = '';
  forEachLine(page, (json) => (s += `${JSON.stringify(JSON.parse(json))}\n`));
  return s.length;
};
const whole = (page: ExportPage): number => transformPage(page, policy, keys, options).count;
const wholeExport = (): { perSecond: number; out: number } => {
  options = { displayOf, postcodeAreas };
  return timed(whole);
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const line = (name: string, rates: number[]): string =>
  `${name}: ${Math.round(median(rates))} res/s (${(1e6 / median(rates)).toFixed(1)} us per resource)`;

wholeExport();
const floor: number[] = [];
const step: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  floor.push(timed(parseStringify).perSecond);
  const w = wholeExport();
  if (w.out !== resources.length) throw new Error(`${String(resources.length - w.out)} resources left out`);
  step.push(w.perSecond);
}
console.log(
  `${String(resources.length)} resources, pages of ${String(PAGE)}, CPU time, median of ${String(ROUNDS)} rounds`,
);
console.log(line('JSON.parse + JSON.stringify only', floor));
console.log(line('transformPage (parse, pseudonymise, stringify)', step));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  gc();
  const held = process.memoryUsage().heapUsed;
  pages.length = 0;
  resources.length = 0;
  gc();
  console.log(
    `heap after GC without the input: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB (with it ${(held / 2 ** 20).toFixed(0)} MB)`,
  );
}
