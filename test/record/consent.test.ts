/**
 * decide(): what may leave the client record for a recipient. Care to care goes on implied
 * consent unless refused; anything from or to the social domain needs an explicit, active permit
 * for that purpose and recipient; rejected is a refusal, inactive a withdrawal, an expired period
 * no permit.
 */
import type { Consent } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { decide, type Recipient } from '../../src/consent/decide.js';
import { filterForRecipient, type RecordView } from '../../src/record/view.js';

const GGZ: Recipient = {
  type: 'ggz-institution',
  identifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '06001234' },
};
const TEAM: Recipient = {
  type: 'social-domain-organisation',
  identifier: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '90001234' },
};
const now = new Date('2026-05-01T10:00:00Z');

function consent(purpose: string, changes: Partial<Consent> = {}): Consent {
  return {
    resourceType: 'Consent',
    id: `c-${purpose}`,
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    dateTime: '2026-04-01T10:00:00Z',
    verification: [{ verified: true }],
    provision: {
      type: 'permit',
      purpose: [{ system: 'https://overdracht.dev/fhir/CodeSystem/sharing-purpose', code: purpose }],
      actor: [{ role: { coding: [{ code: 'IRCP' }] }, reference: { identifier: TEAM.identifier } }],
    },
    ...changes,
  };
}

const ctx = (...consents: Consent[]) => ({ consents, resolve: () => undefined, now });

describe('consent decisions', () => {
  it('when care data goes from a GP to GGZ without any consent resource, then it goes on implied consent', () => {
    expect(decide('treatment', GGZ, 'gp-practice', ctx())).toEqual({
      allowed: true,
      basis: 'implied-consent-referral',
    });
  });

  it('when a kept refusal breaks FHIR rules (lists of another JSON type, null items), then it still refuses and nothing throws', () => {
    const broken = consent('treatment-referral', {
      provision: {
        type: 'deny',
        purpose: [
          null,
          { system: 'https://overdracht.dev/fhir/CodeSystem/sharing-purpose', code: 'treatment-referral' },
        ],
        actor: {},
      },
      verification: 'yes',
    } as unknown as Partial<Consent>);
    expect(decide('treatment', GGZ, 'gp-practice', ctx(broken))).toMatchObject({
      allowed: false,
      reason: 'consent-refused',
    });
  });

  it('when the client refused sharing for referrals, then care data is withheld as refused', () => {
    const refused = consent('treatment-referral', {
      provision: {
        type: 'deny',
        purpose: [
          { system: 'https://overdracht.dev/fhir/CodeSystem/sharing-purpose', code: 'treatment-referral' },
        ],
      },
    });
    expect(decide('treatment', GGZ, 'gp-practice', ctx(refused))).toMatchObject({
      allowed: false,
      reason: 'consent-refused',
    });
  });

  it('when care data goes to the social team, then it needs the explicit consent for that team', () => {
    expect(decide('treatment', TEAM, 'ggz-institution', ctx())).toMatchObject({
      allowed: false,
      reason: 'no-explicit-consent',
    });
    expect(decide('treatment', TEAM, 'ggz-institution', ctx(consent('social-domain')))).toEqual({
      allowed: true,
      basis: 'explicit-consent',
      consent: 'Consent/c-social-domain',
    });
  });

  it('when social-domain data goes to GGZ under a consent naming only the social team, then it is withheld', () => {
    expect(decide('social-domain', GGZ, undefined, ctx(consent('social-domain')))).toMatchObject({
      allowed: false,
      reason: 'no-explicit-consent',
    });
  });

  it('when the consent is not verified, withdrawn, rejected or expired, then nothing goes to the social domain', () => {
    const unverified = consent('social-domain', { verification: [] });
    expect(decide('treatment', TEAM, undefined, ctx(unverified))).toMatchObject({
      allowed: false,
      reason: 'no-explicit-consent',
    });
    expect(
      decide('treatment', TEAM, undefined, ctx(consent('social-domain', { status: 'inactive' }))),
    ).toMatchObject({ allowed: false, reason: 'consent-withdrawn' });
    expect(
      decide('treatment', TEAM, undefined, ctx(consent('social-domain', { status: 'rejected' }))),
    ).toMatchObject({ allowed: false, reason: 'consent-refused' });
    const expired = consent('social-domain');
    expired.provision = { ...expired.provision, period: { end: '2026-01-01' } };
    expect(decide('treatment', TEAM, undefined, ctx(expired))).toMatchObject({
      allowed: false,
      reason: 'no-explicit-consent',
    });
  });

  it('when a newer consent withdraws an older permit, then the newer one decides', () => {
    const older = consent('social-domain', { id: 'old', dateTime: '2026-01-01T10:00:00Z' });
    const withdrawn = consent('social-domain', {
      id: 'new',
      status: 'inactive',
      dateTime: '2026-04-01T10:00:00Z',
    });
    expect(decide('treatment', TEAM, undefined, ctx(older, withdrawn))).toEqual({
      allowed: false,
      reason: 'consent-withdrawn',
      consent: 'Consent/new',
    });
  });
});

describe('filterForRecipient', () => {
  const view = (organisation: string): RecordView => ({
    key: 'bsn|999911120',
    entries: [
      {
        resource: {
          resourceType: 'Observation',
          id: 'zrm',
          status: 'final',
          code: { text: 'ZRM financien' },
        },
        domain: 'social-domain',
        organisation,
        format: 'assessments',
      },
    ],
  });

  it('when the social team gets back what it supplied itself, then no consent is needed', () => {
    const own = filterForRecipient(
      view('http://fhir.nl/fhir/NamingSystem/ura|90001234'),
      TEAM,
      undefined,
      now,
    );
    expect(own.allowed).toHaveLength(1);
  });

  it("when another organisation's social-domain data would go to the social team without consent, then it is withheld", () => {
    const other = filterForRecipient(
      view('http://fhir.nl/fhir/NamingSystem/ura|90009999'),
      TEAM,
      undefined,
      now,
    );
    expect(other.withheld.map((w) => w.reason)).toEqual(['no-explicit-consent']);
  });
});
