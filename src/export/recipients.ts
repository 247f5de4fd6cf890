/**
 * The configured recipients of exports, loaded once at start: each policy file validated, each
 * key ring read (demo keys refused outside demo mode) and the policy's key found in it. A
 * problem stops the start with a message that names the key of the configuration.
 */
import { ConfigError } from '../config/load.js';
import type { Config } from '../config/types.js';
import { loadKeyRing, policyKey, readPolicyFile } from './pseudonymise/index.js';
import type { ExportGroup, Recipient } from './run.js';

export interface ExportParties {
  /** By recipient id. */
  recipients: ReadonlyMap<string, Recipient>;
  groups: ReadonlyMap<string, ExportGroup>;
}

export function loadExportParties(config: Config): ExportParties {
  const recipients = new Map<string, Recipient>();
  (config.export?.recipients ?? []).forEach((r, i) => {
    const where = `export.recipients[${i}]`;
    const policy = readPolicyFile(r.policyFile);
    if (policy.recipient !== r.id)
      throw new ConfigError(`${where}.policyFile: the policy is for '${policy.recipient}', not '${r.id}'`);
    const keys = loadKeyRing(
      r.keyJson !== undefined
        ? { json: r.keyJson, name: `the key of ${r.id} from the environment` }
        : { ...(r.keyFile ? { file: r.keyFile } : {}), name: `${where}.keyFile` },
      config.demo,
    );
    policyKey(policy, keys);
    recipients.set(r.id, { id: r.id, clientId: r.client, policy, keys });
  });
  const groups = new Map((config.export?.groups ?? []).map((g) => [g.id, { ...g }]));
  return { recipients, groups };
}

/** The recipient a client exports for, if any. */
export function recipientOf(parties: ExportParties, clientId: string): Recipient | undefined {
  return [...parties.recipients.values()].find((r) => r.clientId === clientId);
}
