import { describe, expect, it } from 'vitest';
import type { Bundle, MessageHeader, OperationOutcome, Task } from '@medplum/fhirtypes';
import type { Principal } from '../../src/auth/smart.js';
import { receiveReferral, type IntakeDeps } from '../../src/intake/referral.js';
import { outcome } from '../../src/fhir/outcomes.js';
import { MemoryIntakeRepository } from '../support/memory-intake.js';
import { referralMessage } from '../support/referral.js';
import { demoConfig } from '../support/tokens.js';

const gp = demoConfig.organisations.find((o) => o.id === 'gp-de-linde')!;
const ggz = demoConfig.organisations.find((o) => o.id === 'ggz-noord')!;
const principal = (org = gp): Principal => ({
  clientId: 'c',
  organisation: org,
  roles: ['sender'],
  scopes: [],
});

function deps(
  repo = new MemoryIntakeRepository(),
  validate: IntakeDeps['validate'] = () => outcome([]),
): IntakeDeps {
  let n = 0;
  return {
    validate,
    repo,
    organisations: demoConfig.organisations,
    now: () => new Date('2026-03-01T10:00:00Z'),
    newId: () => `id-${++n}`,
    endpoint: 'http://localhost:8080/fhir',
  };
}

describe('receiveReferral', () => {
  it('when a complete referral arrives, then client, referral, summary and a requested Task are stored and the answer names the Task', async () => {
    const repo = new MemoryIntakeRepository();
    const r = await receiveReferral(referralMessage(), 'h1', principal(), deps(repo));
    expect(r.kind).toBe('accepted');
    if (r.kind !== 'accepted') return;
    const header = r.response.entry?.[0]?.resource as MessageHeader;
    expect(header.response?.code).toBe('ok');
    expect(header.response?.identifier).toBe('msg-0001');
    const task = repo.ofType('Task')[0] as Task;
    expect(header.focus?.[0]?.reference).toBe(`http://localhost:8080/fhir/Task/${task.id}`);
    expect(task.status).toBe('requested');
    expect(task.owner?.identifier).toEqual(ggz.identifier);
    expect(task.requester?.identifier).toEqual(gp.identifier);
    expect(repo.ofType('Patient')).toHaveLength(1);
    expect(repo.ofType('ServiceRequest')).toHaveLength(1);
    expect(repo.ofType('Composition')).toHaveLength(1);
    expect(repo.ofType('MessageHeader')).toHaveLength(0);
    // references now point to stored ids
    const sr = repo.ofType('ServiceRequest')[0]!;
    expect(JSON.stringify(sr)).not.toContain('urn:uuid');
    expect(repo.audits).toHaveLength(1);
  });

  it('when the same message comes again, then the stored answer is returned and nothing new is stored', async () => {
    const repo = new MemoryIntakeRepository();
    const d = deps(repo);
    const first = await receiveReferral(referralMessage(), 'h1', principal(), d);
    const size = repo.resources.size;
    const second = await receiveReferral(referralMessage(), 'h1', principal(), d);
    expect(second.kind === 'accepted' && second.replay).toBe(true);
    expect(second.kind === 'accepted' && second.response).toEqual(
      first.kind === 'accepted' && first.response,
    );
    expect(repo.resources.size).toBe(size);
  });

  it('when the same key comes with other content, then it is 409', async () => {
    const d = deps();
    await receiveReferral(referralMessage(), 'h1', principal(), d);
    const r = await receiveReferral(referralMessage(), 'h2', principal(), d);
    expect(r.kind === 'refused' && r.status).toBe(409);
  });

  it('when a later referral names the same BSN, then the client is found again, not duplicated', async () => {
    const repo = new MemoryIntakeRepository();
    const d = deps(repo);
    await receiveReferral(referralMessage({ messageId: 'a' }), 'h1', principal(), d);
    await receiveReferral(referralMessage({ messageId: 'b' }), 'h2', principal(), d);
    expect(repo.ofType('Patient')).toHaveLength(1);
    expect(repo.ofType('Task')).toHaveLength(2);
  });

  it('when the sender is another organisation than the caller, then it is 403', async () => {
    const r = await receiveReferral(referralMessage(), 'h', principal(ggz), deps());
    expect(r.kind === 'refused' && r.status).toBe(403);
  });

  it('when a section is notasked, then the gate refuses with 422 and nothing is stored', async () => {
    const repo = new MemoryIntakeRepository();
    const r = await receiveReferral(
      referralMessage({ emptySections: { 'legal-status': 'notasked' } }),
      'h',
      principal(),
      deps(repo),
    );
    expect(r.kind === 'refused' && [r.status, r.stage]).toEqual([422, 'gate']);
    expect(repo.resources.size).toBe(0);
  });

  it('when profile validation finds an error, then it is 422 with that outcome', async () => {
    const bad: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', expression: ['Bundle.entry[1].resource.status'] }],
    };
    const r = await receiveReferral(
      referralMessage(),
      'h',
      principal(),
      deps(undefined, () => bad),
    );
    expect(r.kind === 'refused' && r.outcome).toEqual(bad);
  });

  it('when the receiver is not connected to the gateway, then it is 422 naming the performer', async () => {
    const r = await receiveReferral(referralMessage({ receiverAgb: '06999999' }), 'h', principal(), deps());
    expect(r.kind === 'refused' && r.outcome.issue?.[0]?.expression).toEqual([
      'Bundle.entry[1].resource.performer[0]',
    ]);
  });

  it('when the body is not a message Bundle, then it is 422 naming the element', async () => {
    const m: Bundle = { ...referralMessage(), type: 'collection' };
    const r = await receiveReferral(m, 'h', principal(), deps());
    expect(r.kind === 'refused' && r.outcome.issue?.[0]?.expression).toEqual(['Bundle.type']);
  });

  it('when a referral is stored, then requester and owner may see every stored resource and the Task, and no one else', async () => {
    const repo = new MemoryIntakeRepository();
    await receiveReferral(referralMessage(), 'h1', principal(), deps(repo));
    const task = repo.ofType('Task')[0] as Task;
    const orgs = new Set(repo.grants.map((g) => `${g.organisation.system}|${g.organisation.value}`));
    expect(orgs).toEqual(
      new Set([
        `${gp.identifier.system}|${gp.identifier.value}`,
        `${ggz.identifier.system}|${ggz.identifier.value}`,
      ]),
    );
    const granted = new Set(repo.grants.map((g) => g.reference));
    expect(granted).toEqual(new Set([...repo.resources.keys()]));
    expect(granted.has(`Task/${task.id}`)).toBe(true);
  });

  it('when the Task is created, then requester and owner point to the stored Organizations and keep their identifiers', async () => {
    const repo = new MemoryIntakeRepository();
    await receiveReferral(referralMessage(), 'h1', principal(), deps(repo));
    const task = repo.ofType('Task')[0] as Task;
    const owner = repo.resources.get(task.owner?.reference ?? '');
    const requester = repo.resources.get(task.requester?.reference ?? '');
    expect(owner && 'identifier' in owner && owner.identifier).toEqual([ggz.identifier]);
    expect(requester && 'identifier' in requester && requester.identifier).toEqual([gp.identifier]);
  });
});
