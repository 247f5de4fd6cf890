/**
 * Throughput of the HL7 v2 adapter: messages per second for parsing only, for parse + convert
 * (with the report), and for @medplum/core's Hl7Message.parse on the same text for scale.
 *
 *   npx tsx bench/adapters/hl7v2.ts [file.hl7 ...]     (default: the Dutch test fixtures)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hl7Message } from '@medplum/core';
import { createConversionContext, runAdapter } from '../../src/adapters/index.js';
import { createHl7v2Adapter } from '../../src/adapters/hl7v2/index.js';
import { createTerminologyService } from '../../src/terminology/service.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'test', 'adapters', 'hl7v2', 'fixtures');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(fixtures)
        .sort()
        .map((f) => join(fixtures, f));

const adapter = createHl7v2Adapter();
const ctx = createConversionContext({
  channel: {
    referralCategory: 'ggz-basic',
    senderOrganizationType: 'gp-practice',
    receiverOrganizationType: 'ggz-institution',
  },
  terminology: createTerminologyService(),
});

function perSecond(fn: () => void, minMs = 1500): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

console.log(
  '| message | bytes | segments | parse only (msg/s) | parse + convert + report (msg/s) | Hl7Message.parse (msg/s) |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const file of files) {
  const bytes = readFileSync(file);
  const text = bytes.toString('latin1');
  const segments = text.split(/\r\n|\r|\n/).filter((l) => l.trim()).length;
  const parse = perSecond(() => adapter.parse(bytes));
  const convert = perSecond(() => runAdapter(adapter, bytes, ctx));
  const medplum = perSecond(() => Hl7Message.parse(text).segments.forEach((s) => s.fields.length));
  console.log(
    `| ${basename(file)} | ${bytes.length} | ${segments} | ${parse.toFixed(0)} | ${convert.toFixed(0)} | ${medplum.toFixed(0)} |`,
  );
}
