/**
 * `npm run report:reuse`: "never the same question twice", measured on the committed corpus of
 * synthetic client journeys (test/journeys/corpus, written by the seeded generator), each run end
 * to end through the HTTP API of one gateway (test/journeys/run.ts). Per journey, step and
 * questionnaire it prints the baseline (questions an earlier step recorded the answer of: all
 * asked again when nothing travels), `asked again: N (target T)` with the system, and the
 * pre-fill rate. Exit 1 when any count differs from its target, 0 otherwise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTestGateway, tokens } from '../../test/gateway/support.js';
import { CORPUS_DIR } from '../../test/journeys/generate.js';
import { corpusJourneys, runJourney, type JourneyResult } from '../../test/journeys/run.js';
import { formatReport } from './format.js';

async function main(): Promise<number> {
  const t = await openTestGateway();
  const results: JourneyResult[] = [];
  try {
    const token = tokens(t.app);
    for (const j of corpusJourneys(CORPUS_DIR))
      results.push(await runJourney(t.app, token, j, (file) => readFileSync(join(CORPUS_DIR, j.id, file))));
  } finally {
    await t.close();
  }
  const { text, failures } = formatReport(results);
  process.stdout.write(text);
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
