/**
 * Logs never hold a BSN or a name: marker values are put into every string field of a referral,
 * which then goes through intake, search, reads and error paths; no marker may appear in the
 * captured logs, nor any 9-digit number that passes the BSN 11-check.
 */
import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../src/fhir/codes.js';
import { referralMessage } from '../support/referral.js';
import { FHIR_JSON, get, openTestGateway, postMessage, tokens, type TestGateway } from './support.js';

let t: TestGateway;
let token: (client: string, scope?: string) => Promise<string>;
beforeAll(async () => {
  t = await openTestGateway();
  token = tokens(t.app);
});
afterAll(async () => t.close());

/** The marked client's BSN: valid, and used nowhere else. */
const MARKED_BSN = '999911181';
const markers: string[] = [MARKED_BSN];
function marker(): string {
  const m = `Mrkq${String(markers.length).padStart(3, '0')}zx`;
  markers.push(m);
  return m;
}

/** Every string leaf replaced by a marker: a message no validator accepts, for the error paths. */
function markEverything(value: unknown): unknown {
  if (typeof value === 'string') return marker();
  if (Array.isArray(value)) return value.map(markEverything);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markEverything(v)]));
  return value;
}

/** Keys whose strings are data about people and their care, as opposed to codes, ids, dates and URIs. */
const FREE_TEXT = new Set([
  'family',
  'given',
  'text',
  'display',
  'line',
  'city',
  'postalCode',
  'name',
  'title',
  'valueString',
  'district',
]);

/** The free text and identifiers of a valid referral replaced by markers; the message stays valid. */
function markFreeText(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (key === 'div') return `<div xmlns="http://www.w3.org/1999/xhtml"><p>${marker()}</p></div>`;
    return FREE_TEXT.has(key) ? marker() : value;
  }
  if (Array.isArray(value)) return value.map((v) => markFreeText(v, key));
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, markFreeText(v, k)]));
  // Identifier values: the BSN must stay a valid BSN; other identifiers take a marker.
  if (typeof o.system === 'string' && typeof o.value === 'string' && !('code' in o)) {
    out.value =
      o.system === SYSTEMS.bsn
        ? MARKED_BSN
        : o.system.includes('NamingSystem/agb-z') || o.system.includes('/ura')
          ? o.value
          : marker();
  }
  return out;
}

/** A 9-digit number that passes the 11-check, anywhere in the text. */
function bsnLike(text: string): string[] {
  const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
  return (text.match(/(?<!\d)\d{9}(?!\d)/g) ?? []).filter(
    (n) => [...n].reduce((sum, d, i) => sum + Number(d) * (weights[i] ?? 0), 0) % 11 === 0,
  );
}

describe('logs', () => {
  it('when marked data goes through intake, search, reads and errors, then no marker and no BSN is logged', async () => {
    const gp = await token('demo-gp');
    const ggz = await token('demo-ggz');
    const valid = markFreeText(referralMessage({ messageId: 'log-valid' })) as Bundle;
    (valid.entry?.[0]?.resource as MessageHeader).id = 'log-valid';

    // Intake: accepted, replayed, and refused with the same key and other content.
    const accepted = await postMessage(t.app, gp, valid);
    expect(accepted.status).toBe(200);
    expect((await postMessage(t.app, gp, valid)).status).toBe(200);
    const changed = markFreeText(
      referralMessage({ messageId: 'log-valid', clientRequest: 'anders' }),
    ) as Bundle;
    (changed.entry?.[0]?.resource as MessageHeader).id = 'log-valid';
    expect((await postMessage(t.app, gp, changed)).status).toBe(409);

    // Refused: everything marked, a gate failure, a base error, malformed JSON with a marker in it.
    expect((await postMessage(t.app, gp, markEverything(referralMessage()) as Bundle)).status).toBe(422);
    expect(
      (
        await postMessage(
          t.app,
          gp,
          markFreeText(
            referralMessage({ messageId: 'log-gate', emptySections: { 'legal-status': 'notasked' } }),
          ) as Bundle,
        )
      ).status,
    ).toBe(422);
    const base = markFreeText(referralMessage({ messageId: 'log-base' })) as Bundle;
    (base.entry?.[2]?.resource as unknown as Record<string, unknown>).gender = markers[1];
    expect((await postMessage(t.app, gp, base)).status).toBe(422);
    expect((await postMessage(t.app, gp, `{"name": "${marker()}", ${MARKED_BSN}}`)).status).toBe(400);
    expect(
      (
        await request(t.app)
          .post('/fhir/$validate')
          .set('Authorization', `Bearer ${gp}`)
          .type(FHIR_JSON)
          .send(JSON.stringify(markEverything(referralMessage())))
      ).status,
    ).toBe(200);

    // Search and read, with markers and the BSN in the query and the path.
    const bsn = encodeURIComponent(`${SYSTEMS.bsn}|${MARKED_BSN}`);
    expect((await get(t.app, ggz, `/fhir/Task?patient.identifier=${bsn}`)).body.entry).toHaveLength(1);
    const patient = (await get(t.app, ggz, `/fhir/Patient?identifier=${bsn}`)).body.entry[0].resource;
    expect((await get(t.app, ggz, `/fhir/Patient/${patient.id}`)).status).toBe(200);
    expect((await get(t.app, ggz, `/fhir/Patient?name=${marker()}`)).status).toBe(400);
    expect((await get(t.app, ggz, `/fhir/Patient/${marker()}`)).status).toBe(404);
    expect((await get(t.app, ggz, `/fhir/${marker()}/${MARKED_BSN}`)).status).toBe(404);
    expect((await get(t.app, ggz, `/fhir/Patient/${MARKED_BSN}/$${marker()}`)).status).toBe(404);
    expect((await request(t.app).get(`/${marker()}/${MARKED_BSN}`)).status).toBe(404);
    expect((await request(t.app).get(`/fhir/Patient?identifier=${bsn}`)).status).toBe(401);
    expect(
      (await get(t.app, await token('demo-privacy-officer'), `/fhir/AuditEvent?patient.identifier=${bsn}`))
        .status,
    ).toBe(200);

    const logs = t.logs.join('\n');
    expect(t.logs.length).toBeGreaterThan(15);
    for (const m of markers) expect(logs).not.toContain(m);
    expect(bsnLike(logs)).toEqual([]);
    // Every line is one JSON object.
    for (const line of t.logs) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
