/**
 * What the gateway itself does to a Task, without a caller: `fail` when delivering it turned out
 * impossible (the deliverer gave the message up). Stored like any change (version, Provenance
 * with the gateway as agent, outbox rows - the requester is told with `delivery-failed` - and
 * the audit, in the name of the organisation the delivery was for).
 */
import type { Task } from '@medplum/fhirtypes';
import type { Principal } from '../auth/smart.js';
import type { OrganisationConfig } from '../config/types.js';
import { GATEWAY } from '../workflow/party.js';
import { applyTransition } from '../workflow/transitions.js';
import { saveTaskChange, within, type WorkflowDeps } from './workflow-changes.js';

/** The client id the audit names for what the gateway does on its own. */
export const GATEWAY_CLIENT = 'overdracht-gateway';

function gatewayPrincipal(on: OrganisationConfig): Principal {
  return { clientId: GATEWAY_CLIENT, organisation: on, roles: [], scopes: [] };
}

/**
 * Fails Task `taskId` because delivery to `on` is impossible; the new version, or undefined when
 * the Task is already closed (a late dead letter changes nothing), or - with `ownerOnly` - when
 * `on` no longer owns it (a message to an earlier owner after a forward).
 */
export async function failTask(
  deps: WorkflowDeps,
  taskId: string,
  opts: { on: OrganisationConfig; reason?: string; ownerOnly?: boolean },
): Promise<Task | undefined> {
  return deps.db.transaction(async (tx) => {
    const w = within(deps, tx);
    const task = await w.store.read<Task>('Task', taskId);
    const owner = task.owner?.identifier;
    const owns = owner?.system === opts.on.identifier.system && owner.value === opts.on.identifier.value;
    if (opts.ownerOnly && !owns) return undefined;
    const input = opts.reason ? { reason: opts.reason } : {};
    const result = applyTransition(task, 'fail', GATEWAY, input, deps.now());
    if (!result.ok) return undefined;
    return saveTaskChange(
      w,
      { principal: gatewayPrincipal(opts.on) },
      { before: task, result, interaction: '$fail' },
    );
  });
}
