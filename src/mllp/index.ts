/**
 * The MLLP listener wired to a gateway: HL7 v2 referrals from one sending organisation (the
 * configuration's `mllp.organisation`) through the hl7v2 adapter into the same intake as
 * `POST /fhir/$process-message`, as if that organisation had sent the message itself.
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:net';
import { createConversionContext } from '../adapters/index.js';
import { runAdapter } from '../adapters/framework.js';
import { createHl7v2Adapter } from '../adapters/hl7v2/index.js';
import type { Principal } from '../auth/smart.js';
import type { MllpConfig, OrganisationConfig } from '../config/types.js';
import { receiveReferral, type IntakeDeps } from '../intake/referral.js';
import { createTerminologyService } from '../terminology/service.js';
import { createMllpServer, type IntakeAnswer, type MllpOptions } from './server.js';

export { createMllpServer, type IntakeAnswer, type MllpOptions } from './server.js';
export { frame, MllpDecoder } from './framing.js';

/** The intake as the listener needs it: a referral message from the configured organisation. */
export function mllpIntake(
  deps: IntakeDeps,
  organisation: OrganisationConfig,
): (message: unknown) => Promise<IntakeAnswer> {
  const principal: Principal = {
    clientId: `mllp:${organisation.id}`,
    organisation,
    roles: ['sender'],
    scopes: [],
  };
  return async (message) => {
    const hash = createHash('sha256').update(JSON.stringify(message)).digest('hex');
    const result = await receiveReferral(message, hash, principal, deps);
    return result.kind === 'accepted' ? { accepted: true } : { accepted: false, outcome: result.outcome };
  };
}

/** A listener for the gateway's intake, as configured; call `listen(port, host)` on it. */
export function createGatewayMllpServer(
  config: MllpConfig,
  intake: IntakeDeps,
  organisations: readonly OrganisationConfig[],
  hooks: Pick<MllpOptions, 'onAnswer'> = {},
): Server {
  const organisation = organisations.find((o) => o.id === config.organisation);
  if (!organisation) throw new Error(`mllp.organisation: no organisation with id '${config.organisation}'`);
  const adapter = createHl7v2Adapter();
  const ctx = createConversionContext({
    channel: config.channel ?? {},
    terminology: createTerminologyService(),
  });
  return createMllpServer({
    maxFrameBytes: config.maxFrameBytes,
    convert: (bytes) => runAdapter(adapter, bytes, ctx, { maxBytes: config.maxFrameBytes }),
    intake: mllpIntake(intake, organisation),
    now: () => intake.now(),
    newId: () => intake.newId(),
    ...hooks,
  });
}
