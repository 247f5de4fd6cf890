/**
 * The re-identification check over a whole `$export`: marker resources of every type the
 * gateway stores (every string element holding a unique marker, names, BSNs that pass the
 * 11-check, narrative, notes; see marker-resources.ts) are put in the store beside real
 * referrals, a platform exports everything, and no file may hold a marker, a BSN or any
 * 9-digit number that passes the 11-check, a name, or a free-text field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { r4Model } from '../../src/export/pseudonymise/model.js';
import { GATEWAY_TYPES } from '../../src/gateway/index.js';
import { openMigratedPglite } from '../store/support/pglite-template.js';
import { openTestGateway, sendReferral, tokens, type TestGateway } from '../gateway/support.js';
import { demoConfig } from '../support/tokens.js';
import { MARKER, MarkerResources, passesElevenCheck } from './marker-resources.js';
import { finish, kickOff, readAll, readFile, type Json } from './support.js';

/** Elements that hold names, contacts, free text or narrative: none may appear in an export. */
const FORBIDDEN_KEYS = new Set([
  'name',
  'telecom',
  'text',
  'note',
  'div',
  'line',
  'city',
  'family',
  'given',
  'description',
  'comment',
]);

function forbiddenKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => forbiddenKeys(v, `${path}[${String(i)}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Json).flatMap(([k, v]) => [
    ...(FORBIDDEN_KEYS.has(k) ? [`${path}.${k}`] : []),
    ...forbiddenKeys(v, `${path}.${k}`),
  ]);
}

const elevenProof = (text: string): string[] =>
  (text.match(/(?<!\d)\d{9}(?!\d)/g) ?? []).filter(passesElevenCheck);

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;
let seeded = 0;

beforeAll(async () => {
  const db = await openMigratedPglite();
  // The page step runs in the worker thread, as in production.
  t = await openTestGateway({
    database: db,
    config: { export: { ...(demoConfig.export ?? { recipients: [], groups: [] }), pageWorker: true } },
  });
  token = tokens(t.app);
  await sendReferral(t.app, await token('demo-gp'), { bsn: '999911120' });
  const generator = new MarkerResources(r4Model());
  for (const type of GATEWAY_TYPES) {
    for (const resource of generator.generate(type)) {
      await db.query(
        `INSERT INTO resource (resource_type, id, version, last_updated, content) VALUES ($1, $2, 1, now(), $3::jsonb)`,
        [type, String(resource.id), JSON.stringify(resource)],
      );
      seeded++;
    }
  }
}, 60_000);

afterAll(async () => {
  await t.close();
  await t.db.close();
});

describe('re-identification check over an export', () => {
  it('when marker resources of every stored type and a real referral are exported, then no file holds a marker, a BSN, a name or free text', async () => {
    const tk = await token('demo-platform', 'system/*.rs');
    const manifest = await finish(t.app, t.gateway, tk, await kickOff(t.app, tk, '/fhir/$export'));
    const files = await readAll(t.app, tk, manifest);
    expect(t.gateway.exports.pageWorker?.answered).toBeGreaterThan(0);
    let resources = 0;
    for (const [type, list] of files) {
      for (const resource of list) {
        resources++;
        const text = JSON.stringify(resource);
        expect(text, type).not.toContain(MARKER);
        expect(text, type).not.toContain('Jansen');
        expect(text, type).not.toContain('999911120');
        expect(elevenProof(text), type).toEqual([]);
        expect(forbiddenKeys(resource), type).toEqual([]);
      }
    }
    // The demo policy lets out 15 types; the marker resources of each of them are in the export.
    expect(seeded).toBeGreaterThan(GATEWAY_TYPES.length);
    expect(files.size).toBeGreaterThanOrEqual(14);
    expect(resources).toBeGreaterThan(files.size);
    for (const f of manifest.error) {
      const problems = await readFile(t.app, tk, f.url);
      expect(JSON.stringify(problems)).not.toContain(MARKER);
    }
  });
});
