/**
 * `POST /fhir/Task/{id}/$fan-out` (R7): after an exploratory conversation the owner of a referral
 * sends it on to several receivers at once - GGZ and the social domain - with one child Task
 * each (src/workflow/fanout.ts). In one transaction: the parent's new version, the children,
 * a Provenance each, grants (the requester, the parent's owner and each child's receiver, who
 * also gets what the requester shared), the outbox rows and the audit. The parent completes
 * (`complete-group`) when the last child closes.
 */
import type { Provenance, Task } from '@medplum/fhirtypes';
import { auditEvent } from '../audit/events.js';
import type { Principal } from '../auth/smart.js';
import { httpStatus, invalid, OperationOutcomeError } from '../fhir/outcomes.js';
import { fanOut } from '../workflow/fanout.js';
import { actorFromPrincipal, type Party } from '../workflow/party.js';
import type { NamedOrganisation } from './task-actions.js';
import {
  auditRefusal,
  enqueueEvents,
  organisationByIdentifier,
  partyOf,
  readGranted,
  referralResources,
  updateOrConflict,
  within,
  type WorkflowDeps,
  type WorkflowTx,
} from './workflow-changes.js';

/** The fan-out of Task `id` to `receivers`; the parent's new version and the children. */
export async function performFanOut(
  deps: WorkflowDeps,
  principal: Principal,
  id: string,
  receivers: readonly NamedOrganisation[],
  requestId?: string,
): Promise<{ parent: Task; children: Task[] }> {
  const run = () =>
    deps.db.transaction(async (tx) => {
      const w = within(deps, tx);
      const parent = await readGranted<Task>(w, principal, 'Task', id);
      const now = deps.now();
      const parties = await resolve(w, receivers);
      const result = fanOut(parent, parties, {
        actor: actorFromPrincipal(principal),
        now,
        newId: deps.newId,
      });
      if (!result.ok) throw new OperationOutcomeError(result.outcome, httpStatus(result.outcome));
      const stored = new Map<string, Task>();
      const updated = await updateOrConflict(w.store, result.parent, parent.meta?.versionId);
      stored.set(`Task/${id}`, updated);
      const children: Task[] = [];
      for (const child of result.children) {
        const created = (await w.store.create<Task>(child)).resource;
        stored.set(`Task/${created.id ?? ''}`, created);
        children.push(created);
        await grantChild(w, created, parent);
      }
      const provenance: string[] = [];
      for (const p of result.provenance) {
        const created = (await w.store.create<Provenance>(p)).resource;
        const target = p.target[0]?.reference?.split('/')[1] ?? '';
        await w.grants.copy({ type: 'Task', id: target }, { type: 'Provenance', id: created.id ?? '' });
        provenance.push(`Provenance/${created.id ?? ''}`);
      }
      await enqueueEvents(w, result.events, stored);
      await w.auditLog.append(
        auditEvent({
          principal,
          action: 'C',
          interaction: '$fan-out',
          outcome: '0',
          ...(parent.for ? { patient: parent.for } : {}),
          what: [...stored.keys(), ...provenance].map((reference) => ({ reference })),
          legalBasis: 'implied-consent-referral',
          sourceSystem: deps.endpoint,
          recorded: now,
          ...(requestId ? { requestId } : {}),
        }),
      );
      return { parent: updated, children };
    });
  return auditRefusal(
    deps,
    { principal, ...(requestId ? { requestId } : {}) },
    '$fan-out',
    { type: 'Task', id },
    run,
  );
}

async function resolve(w: WorkflowTx, named: readonly NamedOrganisation[]): Promise<Party[]> {
  const parties: Party[] = [];
  for (const n of named) {
    const org = organisationByIdentifier(w.deps.organisations, n.identifier);
    if (!org)
      throw new OperationOutcomeError(
        invalid(`${n.identifier.system}|${n.identifier.value} is not connected to this gateway`, n.path),
        422,
      );
    parties.push(await partyOf(w, org));
  }
  return parties;
}

/** The child is seen by the requester, the parent's owner and its own receiver (with the referral). */
async function grantChild(w: WorkflowTx, child: Task, parent: Task): Promise<void> {
  const reference = `Task/${child.id ?? ''}`;
  const keys = [child.requester, parent.owner, child.owner]
    .map((r) => r?.identifier)
    .filter((i): i is { system: string; value: string } => !!i?.system && !!i.value);
  await w.grants.add(keys.map((organisation) => ({ reference, organisation })));
  const receiver = child.owner?.identifier;
  const requester = child.requester?.identifier;
  if (!receiver?.system || !receiver.value || !requester?.system || !requester.value) return;
  const shared = await referralResources(w, child, { system: requester.system, value: requester.value });
  await w.grants.add(
    shared.map((r) => ({
      reference: r,
      organisation: { system: receiver.system ?? '', value: receiver.value ?? '' },
    })),
  );
}
