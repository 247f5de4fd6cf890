/**
 * "Never the same question twice", proven on the committed corpus of synthetic journeys: the
 * corpus is what the seeded generator writes (not hand-picked), and every journey runs end to end
 * through the HTTP API of one gateway. At every step each questionnaire's count of questions asked
 * again although an earlier step recorded the answer equals its target: zero where consent
 * allows, the number the consent rules predict where the client refused or withdrew.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestGateway, tokens, type TestGateway } from '../gateway/support.js';
import { CORPUS_DIR, corpusFiles } from './generate.js';
import { formatReport } from '../../scripts/reuse/format.js';
import { corpusJourneys, runJourney, type JourneyResult } from './run.js';

describe('the journeys corpus', () => {
  it('when the corpus is generated again from its seed, then it is byte for byte the committed one', () => {
    for (const [path, text] of corpusFiles())
      expect(readFileSync(join(CORPUS_DIR, path), 'utf8'), path).toBe(text);
  });
});

describe('journeys through the HTTP API', () => {
  let t: TestGateway;
  const results = new Map<string, JourneyResult>();

  beforeAll(async () => {
    t = await openTestGateway();
    const token = tokens(t.app);
    for (const j of corpusJourneys(CORPUS_DIR))
      results.set(
        j.id,
        await runJourney(t.app, token, j, (file) => readFileSync(join(CORPUS_DIR, j.id, file))),
      );
  }, 120_000);
  afterAll(async () => t.close());

  it('when consent allows, then no journey asks a question again that an earlier step recorded', () => {
    const allowed = [...results.values()].filter((r) => r.journey.consent === 'allowed');
    expect(allowed.length).toBeGreaterThanOrEqual(4);
    for (const r of allowed)
      for (const s of r.steps)
        for (const c of s.counts) {
          expect({
            at: `${r.journey.id} step ${s.step} ${c.questionnaire}`,
            askedAgain: c.askedAgain,
            misses: c.misses,
          }).toEqual({
            at: `${r.journey.id} step ${s.step} ${c.questionnaire}`,
            askedAgain: 0,
            misses: [],
          });
        }
    const baseline = allowed
      .flatMap((r) => r.steps.flatMap((s) => s.counts))
      .reduce((n, c) => n + c.baseline, 0);
    expect(baseline).toBeGreaterThan(0);
  });

  it.each(['refused', 'withdrawn'] as const)(
    'when the client %s consent, then the questions asked again are exactly those the consent rules predict, and not zero',
    (consent) => {
      const cases = [...results.values()].filter((r) => r.journey.consent === consent);
      expect(cases.length).toBeGreaterThan(0);
      for (const r of cases) {
        const counts = r.steps.flatMap((s) =>
          s.counts.map((c) => ({ at: `${r.journey.id} step ${s.step} ${c.questionnaire}`, ...c })),
        );
        for (const c of counts)
          expect({ at: c.at, askedAgain: c.askedAgain, misses: c.misses }).toEqual({
            at: c.at,
            askedAgain: c.target,
            misses: [],
          });
        expect(
          counts.reduce((n, c) => n + c.target, 0),
          r.journey.id,
        ).toBeGreaterThan(0);
      }
    },
  );
});

describe('a count that misses its target', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await openTestGateway();
  });
  afterAll(async () => t.close());

  it('when the script says care data may travel although the client refused, then the withheld questions are misses and the report fails', async () => {
    const refused = corpusJourneys(CORPUS_DIR).find((j) => j.id === 'j03-gp-ggz-refused');
    if (!refused) throw new Error('j03-gp-ggz-refused is not in the corpus');
    const broken = { ...refused, careSharing: 'implied' as const };
    const result = await runJourney(t.app, tokens(t.app), broken, (file) =>
      readFileSync(join(CORPUS_DIR, refused.id, file)),
    );
    const ph = result.steps[1]?.counts.find((c) => c.questionnaire === 'positive-health');
    expect(ph).toMatchObject({ baseline: 6, askedAgain: 6, target: 0 });
    expect(ph?.misses).toContain('ph-mental-wellbeing');
    const report = formatReport([result]);
    expect(report.failures).toBe(1);
    expect(report.text).toContain('asked again: 6 (target 0)');
    expect(report.text).toContain('MISSED (ph-bodily-functions');
  });
});
