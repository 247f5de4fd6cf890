/** `POST /fhir/$process-message`: the front door for referral messages. */
import { createHash } from 'node:crypto';
import { receiveReferral, type IntakeDeps } from '../../intake/referral.js';
import { readFhirJson } from '../body.js';
import { sendOutcome, sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface MessagingDeps {
  intake: IntakeDeps;
  bodyLimitBytes: number;
}

export function messagingRoutes(deps: MessagingDeps): FhirRoute[] {
  return [
    {
      method: 'post',
      path: '/\\$process-message',
      operation: { name: 'process-message', level: 'system', definition: 'http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message' },
      scope: { type: 'ServiceRequest', interaction: 'c' },
      async handler({ req, res, principal }) {
        const body = await readFhirJson(req, deps.bodyLimitBytes);
        // The idempotency check compares content by a hash of its canonical JSON.
        const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        const result = await receiveReferral(body, hash, principal, deps.intake);
        if (result.kind === 'refused') {
          sendOutcome(res, result.outcome, result.status);
          return;
        }
        sendResource(res, 200, result.response, result.replay ? { 'X-Idempotent-Replay': 'true' } : {});
      },
    },
  ];
}
