/**
 * A complete referral message from the demo GP practice (AGB 01004567, gp-de-linde) to the demo
 * GGZ institution (AGB 06001234, ggz-noord), valid against ov-referral-message, built fresh for
 * each test so that a test can break one field of it.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { SYSTEMS } from '../../src/fhir/codes.js';
import {
  DEMO_GGZ,
  DEMO_GP,
  referralMessage as build,
  type ReferralOptions as BuildOptions,
} from '../../src/demo/referral.js';

export interface ReferralOptions extends Omit<BuildOptions, 'receiver'> {
  senderAgb?: string;
  receiverAgb?: string;
  /** A receiver by its full identifier (e.g. the URA of a social team). */
  receiver?: BuildOptions['receiver'];
}

export function referralMessage(opts: ReferralOptions = {}): Bundle {
  const { senderAgb, receiverAgb, receiver, ...rest } = opts;
  return build({
    ...rest,
    sender: rest.sender ?? (senderAgb ? { ...DEMO_GP, system: SYSTEMS.agb, value: senderAgb } : DEMO_GP),
    receiver: receiver ?? (receiverAgb ? { ...DEMO_GGZ, value: receiverAgb } : DEMO_GGZ),
  });
}
