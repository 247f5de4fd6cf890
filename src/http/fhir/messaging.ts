/** `POST /fhir/$process-message`: the front door for referral messages. */
import { createHash } from 'node:crypto';
import { forbidden, OperationOutcomeError } from '../../fhir/outcomes.js';
import { receiveReferral, type IntakeDeps, type Stage } from '../../intake/referral.js';
import { readFhirJson } from '../body.js';
import { sendOutcome, sendResource } from '../respond.js';
import type { FhirRoute } from '../routes.js';

export interface MessagingDeps {
  intake: IntakeDeps;
  bodyLimitBytes: number;
  /** Observes why a message was refused (metrics): an intake stage, or `parse` for an unreadable body. */
  onRefused?(stage: Stage | 'parse'): void;
}

export function messagingRoutes(deps: MessagingDeps): FhirRoute[] {
  return [
    {
      method: 'post',
      path: '/\\$process-message',
      operation: {
        name: 'process-message',
        level: 'system',
        definition: 'http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message',
      },
      scope: { type: 'ServiceRequest', interaction: 'c' },
      async handler({ req, res, principal }) {
        if (!principal.roles.includes('sender')) {
          throw new OperationOutcomeError(
            forbidden('Only a client with the sender role sends messages'),
            403,
          );
        }
        let body: unknown;
        try {
          body = await readFhirJson(req, deps.bodyLimitBytes);
        } catch (err) {
          deps.onRefused?.('parse');
          throw err;
        }
        // The idempotency check compares content by a hash of its canonical JSON.
        const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        const result = await receiveReferral(body, hash, principal, deps.intake);
        if (result.kind === 'refused') {
          deps.onRefused?.(result.stage);
          sendOutcome(res, result.outcome, result.status);
          return;
        }
        sendResource(res, 200, result.response, result.replay ? { 'X-Idempotent-Replay': 'true' } : {});
      },
    },
  ];
}
