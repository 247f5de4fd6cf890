/**
 * `npm run report:reuse`: "never the same question twice", measured on the committed corpus of
 * synthetic client journeys (test/journeys/corpus, written by the seeded generator), each run end
 * to end through the HTTP API of one gateway (test/journeys/run.ts). Per journey, step and
 * questionnaire it prints the baseline (questions an earlier step recorded the answer of: all
 * asked again when nothing travels), `asked again: N (target T)` with the system, and the
 * pre-fill rate. Exit 1 when any count differs from its target, 0 otherwise. `--corpus DIR` runs
 * another corpus of the same layout (e.g. one the generator wrote with `--seed N --out DIR`).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openTestGateway, tokens } from '../../test/gateway/support.js';
import { CORPUS_DIR } from '../../test/journeys/generate.js';
import { corpusJourneys, runJourney, type JourneyResult } from '../../test/journeys/run.js';
import { formatReport } from './format.js';

/** `--corpus DIR`: another corpus of the same layout (default: the committed one). */
function corpusDir(argv: readonly string[]): string {
  const i = argv.indexOf('--corpus');
  const dir = i >= 0 ? argv[i + 1] : undefined;
  return dir ? resolve(dir) : CORPUS_DIR;
}

async function main(): Promise<number> {
  const dir = corpusDir(process.argv.slice(2));
  const t = await openTestGateway();
  const results: JourneyResult[] = [];
  try {
    const token = tokens(t.app);
    for (const j of corpusJourneys(dir))
      results.push(await runJourney(t.app, token, j, (file) => readFileSync(join(dir, j.id, file))));
  } finally {
    await t.close();
  }
  const { text, failures } = formatReport(results);
  process.stdout.write(text);
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
