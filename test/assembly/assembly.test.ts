/**
 * Automatic assembly through the real app: the GGZ institution and the social team import what
 * they hold of a client; the GP's referral leaves sections `notasked`; the gateway completes them
 * from the client record in a document of its own (the sender's untouched), the gate passes, the
 * response says what was added and what was withheld, and consent decides what goes along.
 */
import type {
  Bundle,
  Composition,
  Consent,
  OperationOutcome,
  Parameters,
  Provenance,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummarySection } from '../../src/fhir/codes.js';
import { referralMessage, type ReferralOptions } from '../support/referral.js';
import { get, openTestGateway, postMessage, tokens, type TestGateway } from '../gateway/support.js';
import { clientBundle, socialBundle } from './fixtures.js';

let t: TestGateway;
let token: (client: string) => Promise<string>;

beforeAll(async () => {
  t = await openTestGateway();
  token = tokens(t.app);
});
afterAll(async () => t.close());

async function importAs(client: string, body: Bundle, source = 'export.json'): Promise<Parameters> {
  const res = await request(t.app)
    .post(`/fhir/$import-record?format=fhir&source=${source}`)
    .set('Authorization', `Bearer ${await token(client)}`)
    .type('application/fhir+json')
    .send(JSON.stringify(body));
  expect(res.status).toBe(200);
  return res.body as Parameters;
}

const NOTASKED: Partial<Record<SummarySection, string>> = {
  'treatment-history': 'notasked',
  'risks-crisis-plan': 'notasked',
  'social-situation': 'notasked',
};

async function refer(bsn: string, messageId: string, extra: ReferralOptions = {}) {
  const res = await postMessage(
    t.app,
    await token('demo-gp'),
    referralMessage({ messageId, bsn, emptySections: NOTASKED, ...extra }),
  );
  return res;
}

function notes(answer: Bundle): string[] {
  const o = answer.entry?.find((e) => e.resource?.resourceType === 'OperationOutcome')?.resource as
    OperationOutcome | undefined;
  return (o?.issue ?? []).filter((i) => i.severity === 'information').map((i) => i.diagnostics ?? '');
}

function taskOf(answer: Bundle): Task {
  return answer.entry?.[1]?.resource as Task;
}

async function assembledDocument(task: Task): Promise<Bundle> {
  const ref = task.input?.find((i) => i.type.coding?.[0]?.code === 'assembled-summary')?.valueReference
    ?.reference;
  expect(ref).toMatch(/^Composition\//);
  const res = await get(t.app, await token('demo-ggz'), `/fhir/${ref ?? ''}/$document`);
  expect(res.status).toBe(200);
  return res.body as Bundle;
}

function sectionOf(c: Composition, code: string) {
  return c.section?.find((s) => s.code?.coding?.[0]?.code === code);
}

describe('automatic assembly on a referral', () => {
  it('when the record can fill the notasked sections, then the gate passes, the gateway adds its own summary and says so, and the sender document is untouched', async () => {
    await importAs('demo-ggz', clientBundle('999911120'), 'epd-export.json');
    await importAs('demo-social-team', socialBundle('999911120'), 'zrm.json');
    const res = await refer('999911120', 'assembly-1');
    expect(res.status).toBe(200);
    const answer = res.body as Bundle;
    expect(notes(answer)).toEqual([
      expect.stringMatching(/^Summary section 'treatment-history': 1 entry added/),
      expect.stringMatching(/^Summary section 'risks-crisis-plan': 1 entry added/),
      expect.stringMatching(/^Summary section 'social-situation': 2 entries .*withheld: no explicit consent/),
    ]);
    const task = taskOf(answer);
    // The sender's summary as stored: still notasked where the sender said so.
    const senderRef = task.input?.find((i) => i.type.coding?.[0]?.code === 'previous-treatment-summary')
      ?.valueReference?.reference;
    const sender = (await get(t.app, await token('demo-ggz'), `/fhir/${senderRef ?? ''}`))
      .body as Composition;
    expect(sectionOf(sender, 'treatment-history')?.emptyReason?.coding?.[0]?.code).toBe('notasked');
    expect(sectionOf(sender, 'treatment-history')?.entry).toBeUndefined();

    const doc = await assembledDocument(task);
    const composition = doc.entry?.[0]?.resource as Composition;
    expect(composition.type.coding?.[0]?.code).toBe('assembled-summary');
    expect(composition.author).toEqual([{ display: 'overdracht gateway' }]);
    expect(composition.subject?.reference).toBe(task.for?.reference);
    expect(sectionOf(composition, 'social-situation')?.emptyReason?.coding?.[0]?.code).toBe('withheld');
    // Withheld: counted, never shown.
    const types = (doc.entry ?? []).map((e) => e.resource?.resourceType);
    expect(types.filter((x) => x === 'Observation')).toHaveLength(0);
    const episodeRef = sectionOf(composition, 'treatment-history')?.entry?.[0]?.reference;
    const provenance = (doc.entry ?? [])
      .map((e) => e.resource)
      .find(
        (r): r is Provenance => r?.resourceType === 'Provenance' && r.target[0]?.reference === episodeRef,
      );
    expect(provenance?.agent.map((a) => a.who.identifier?.value ?? a.who.display)).toEqual([
      'overdracht gateway',
      '06001234',
    ]);
    expect(provenance?.entity?.[0]?.what.display).toMatch(/^fhir: epd-export\.json, recorded /);
    // The episode says who treated before (R5: back to the former treater).
    const episode = doc.entry?.find(
      (e) => `${e.resource?.resourceType}/${e.resource?.id}` === episodeRef,
    )?.resource;
    expect(episode).toMatchObject({ managingOrganization: { display: 'GGZ Noord-Groningen' } });
  });

  it('when the referral carries the explicit consent of the client for the social domain, then the social situation goes along', async () => {
    await importAs('demo-social-team', socialBundle('999999990'), 'zrm.json');
    await importAs('demo-ggz', clientBundle('999999990'));
    const res = await refer('999999990', 'assembly-consent', { consentPurpose: 'social-domain' });
    expect(res.status).toBe(200);
    expect(notes(res.body as Bundle)).toContainEqual(
      expect.stringMatching(/^Summary section 'social-situation': 2 entries added/),
    );
    const doc = await assembledDocument(taskOf(res.body as Bundle));
    expect((doc.entry ?? []).filter((e) => e.resource?.resourceType === 'Observation')).toHaveLength(2);
  });

  it('when the client withdrew the consent for the social domain, then the social situation is withheld as withdrawn', async () => {
    await importAs(
      'demo-social-team',
      socialBundle('999911132', consent('999911132', 'social-domain', 'inactive')),
    );
    await importAs('demo-ggz', clientBundle('999911132'));
    const res = await refer('999911132', 'assembly-withdrawn');
    expect(res.status).toBe(200);
    expect(notes(res.body as Bundle)).toContainEqual(
      expect.stringMatching(/'social-situation': 2 entries .*withheld: the client withdrew consent/),
    );
  });

  it('when the client refused sharing for treatment, then nothing of the record goes along and the gate still names the sections', async () => {
    // Supplied by the youth-GGZ institution: what the receiver supplied itself it gets back anyway.
    await importAs(
      'demo-youth-ggz',
      clientBundle('999911144', consent('999911144', 'treatment-referral', 'active', 'deny')),
    );
    const res = await refer('999911144', 'assembly-refused', {
      emptySections: { 'treatment-history': 'notasked' },
    });
    // Refused data is withheld: the section says so, which the gate accepts; nothing is shown.
    expect(res.status).toBe(200);
    expect(notes(res.body as Bundle)).toEqual([
      expect.stringMatching(
        /'treatment-history': 1 entry of the client record withheld: the client refused consent/,
      ),
    ]);
    const doc = await assembledDocument(taskOf(res.body as Bundle));
    expect((doc.entry ?? []).some((e) => e.resource?.resourceType === 'EpisodeOfCare')).toBe(false);
  });

  it('when the record holds nothing for a notasked section, then the gate still fails naming that section', async () => {
    await importAs('demo-ggz', clientBundle('999911156'));
    const res = await refer('999911156', 'assembly-partial', {
      emptySections: { 'treatment-history': 'notasked', 'care-team': 'notasked' },
    });
    expect(res.status).toBe(422);
    const issues = (res.body as OperationOutcome).issue ?? [];
    expect(issues.map((i) => i.diagnostics)).toEqual([expect.stringContaining("'care-team'")]);
  });

  it('when the sender says a section is unavailable to it, then the gateway still adds what the record holds', async () => {
    await importAs('demo-ggz', clientBundle('999911193'));
    const res = await refer('999911193', 'assembly-unavailable', {
      emptySections: { 'treatment-history': 'unavailable' },
    });
    expect(res.status).toBe(200);
    expect(notes(res.body as Bundle)).toEqual([
      expect.stringMatching(/^Summary section 'treatment-history': 1 entry added/),
    ]);
    const doc = await assembledDocument(taskOf(res.body as Bundle));
    expect((doc.entry ?? []).some((e) => e.resource?.resourceType === 'EpisodeOfCare')).toBe(true);
  });

  it('when the client has no record, then a notasked section fails the gate as before', async () => {
    const res = await refer('999911168', 'assembly-none');
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue).toHaveLength(3);
  });
});

function consent(
  bsn: string,
  purpose: 'social-domain' | 'treatment-referral',
  status: Consent['status'],
  type: 'permit' | 'deny' = 'permit',
): Resource {
  return {
    resourceType: 'Consent',
    id: `consent-${purpose}`,
    status,
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: 'Patient/client' },
    dateTime: '2026-04-01T10:00:00+02:00',
    verification: [{ verified: true }],
    provision: {
      type,
      purpose: [{ system: 'https://overdracht.dev/fhir/CodeSystem/sharing-purpose', code: purpose }],
    },
    identifier: [{ system: 'https://example.org/consent', value: `${bsn}-${purpose}` }],
  };
}
