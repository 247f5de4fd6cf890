/**
 * `POST /fhir/EpisodeOfCare/{id}/$finish` (R4): the sender finishes its episode of care, guarded
 * by src/workflow/closure.ts. While the handover Task (the Task whose input is this episode) is
 * not accepted with an intake planned, it is a 409 that says so - unless the body makes the
 * choice explicit: `closureChoice` back-to-gp or back-to-referrer, with a `reason`. The finished
 * episode, a Provenance (the choice and reason included) and the AuditEvent (choice and reason as
 * entity details) are stored in one transaction.
 */
import type { EpisodeOfCare, Provenance, Task } from '@medplum/fhirtypes';
import type { Principal } from '../auth/smart.js';
import { httpStatus, OperationOutcomeError } from '../fhir/outcomes.js';
import { CLOSURE_CHOICE_SYSTEM, type ClosureChoice } from '../workflow/codes.js';
import { closureAuditEvent, finishEpisode, handoverSecured } from '../workflow/closure.js';
import { actorReference } from '../workflow/history.js';
import { actorFromPrincipal, type Actor } from '../workflow/party.js';
import {
  auditRefusal,
  organisationByIdentifier,
  partyOf,
  readGranted,
  within,
  type WorkflowDeps,
  type WorkflowTx,
} from './workflow-changes.js';

export interface FinishRequest {
  closureChoice?: string;
  reason?: string;
}

export async function performFinish(
  deps: WorkflowDeps,
  principal: Principal,
  id: string,
  request: FinishRequest,
  requestId?: string,
): Promise<EpisodeOfCare> {
  const run = () =>
    deps.db.transaction(async (tx) => {
      const w = within(deps, tx);
      const episode = await readGranted<EpisodeOfCare>(w, principal, 'EpisodeOfCare', id);
      const handover = await handoverTaskOf(w, id);
      const now = deps.now();
      const actor = await actorWithReference(w, principal);
      const result = finishEpisode(
        episode,
        handover,
        actor,
        {
          ...(request.closureChoice !== undefined
            ? { closureChoice: request.closureChoice as ClosureChoice }
            : {}),
          ...(request.reason !== undefined ? { reason: request.reason } : {}),
        },
        now,
      );
      if (!result.ok) throw new OperationOutcomeError(result.outcome, httpStatus(result.outcome));
      const finished = (
        await w.store.update<EpisodeOfCare>(
          result.episode,
          episode.meta?.versionId ? { ifMatch: episode.meta.versionId } : {},
        )
      ).resource;
      const choice = result.audit.closureChoice;
      const provenance: Provenance = {
        resourceType: 'Provenance',
        target: [{ reference: `EpisodeOfCare/${id}` }],
        occurredDateTime: now.toISOString(),
        recorded: now.toISOString(),
        activity: {
          coding: [
            { system: 'http://hl7.org/fhir/episode-of-care-status', code: 'finished' },
            ...(choice ? [{ system: CLOSURE_CHOICE_SYSTEM, code: choice }] : []),
          ],
          text: 'finish',
        },
        ...(result.audit.reason ? { reason: [{ text: result.audit.reason }] } : {}),
        agent: [{ who: actorReference(actor) }],
        ...(handover?.id ? { entity: [{ role: 'source', what: { reference: `Task/${handover.id}` } }] } : {}),
      };
      const stored = (await w.store.create<Provenance>(provenance)).resource;
      await w.grants.copy({ type: 'EpisodeOfCare', id }, { type: 'Provenance', id: stored.id ?? '' });
      await w.auditLog.append(
        closureAuditEvent(result.audit, {
          principal,
          sourceSystem: deps.endpoint,
          recorded: now,
          ...(requestId ? { requestId } : {}),
        }),
      );
      return finished;
    });
  return auditRefusal(
    deps,
    { principal, ...(requestId ? { requestId } : {}) },
    '$finish',
    { type: 'EpisodeOfCare', id },
    run,
  );
}

/** The caller's organisation, also by its stored Organization: an episode names its managing organisation by reference. */
async function actorWithReference(w: WorkflowTx, principal: Principal): Promise<Actor> {
  const org = organisationByIdentifier(w.deps.organisations, principal.organisation.identifier);
  const actor = actorFromPrincipal(principal);
  return org && actor.kind === 'organisation' ? { ...actor, ...(await partyOf(w, org)) } : actor;
}

/**
 * The handover Task of an episode: a Task whose input references it (written by $handover). Of
 * several, the one that secures the handover, else the latest.
 */
async function handoverTaskOf(w: WorkflowTx, episodeId: string): Promise<Task | undefined> {
  const { rows } = await w.db.query<{ content: Task }>(
    `SELECT content FROM resource WHERE resource_type = 'Task' AND NOT deleted AND content->'input' @> $1::jsonb`,
    [JSON.stringify([{ valueReference: { reference: `EpisodeOfCare/${episodeId}` } }])],
  );
  const tasks = rows
    .map((r) => r.content)
    .sort((a, b) => (b.lastModified ?? '').localeCompare(a.lastModified ?? ''));
  return tasks.find(handoverSecured) ?? tasks[0];
}
