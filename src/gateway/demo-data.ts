/**
 * Demo data for `serve --demo`: on an empty database, three referrals from the demo GP practice
 * go through the same intake as any other message (to the GGZ institution, the youth-GGZ
 * institution and the municipal social team), so the demo shows what intake really stores.
 */
import { parseScopes } from '../auth/scopes.js';
import type { Principal } from '../auth/smart.js';
import type { Config } from '../config/types.js';
import { referralMessage, type ReferralOptions } from '../demo/referral.js';
import { receiveReferral } from '../intake/referral.js';
import type { Gateway } from './index.js';

const SENDER_CLIENT = 'demo-gp';

function demoReferrals(config: Config): ReferralOptions[] {
  const org = (id: string): { system: string; value: string; name: string; type: string } => {
    const o = config.organisations.find((x) => x.id === id);
    if (!o) throw new Error(`the demo configuration has no organisation ${id}`);
    return { ...o.identifier, name: o.name, type: o.type };
  };
  return [
    {
      messageId: 'demo-referral-1',
      bsn: '999911120',
      receiver: org('ggz-noord'),
      category: 'ggz-basic',
      client: { family: 'Jansen', given: 'Anna', birthDate: '1990-04-12', gender: 'female' },
    },
    {
      messageId: 'demo-referral-2',
      bsn: '999999990',
      receiver: org('jeugd-ggz-de-brug'),
      category: 'youth-ggz',
      client: { family: 'Visser', given: 'Sem', birthDate: '2009-02-03', gender: 'male' },
      clientRequest: 'Ik wil dat de paniekaanvallen op school stoppen.',
    },
    {
      messageId: 'demo-referral-3',
      bsn: '999911132',
      receiver: org('sociaal-team-oost'),
      category: 'social-domain',
      consentPurpose: 'social-domain',
      client: { family: 'de Boer', given: 'Fatima', birthDate: '1978-09-21', gender: 'female' },
      clientRequest: 'Ik heb hulp nodig met mijn schulden en wil weer aan het werk.',
      emptySections: { medication: 'nilknown', 'outcome-measurements': 'unavailable' },
    },
  ];
}

export function demoSender(config: Config): Principal {
  const client = config.clients.find((c) => c.id === SENDER_CLIENT);
  const organisation = client && config.organisations.find((o) => o.id === client.organisation);
  if (!client || !organisation) throw new Error(`the demo configuration has no client ${SENDER_CLIENT}`);
  return {
    clientId: client.id,
    organisation,
    roles: client.roles,
    scopes: parseScopes(client.scopes.join(' ')),
  };
}

/** Runs the demo referrals through intake when no Task is stored yet; returns how many were stored. */
export async function seedDemoData(gateway: Gateway): Promise<number> {
  const { rows } = await gateway.db.query("SELECT 1 FROM resource WHERE resource_type = 'Task' LIMIT 1");
  if (rows.length > 0) return 0;
  const sender = demoSender(gateway.config);
  let stored = 0;
  for (const options of demoReferrals(gateway.config)) {
    const message = referralMessage(options);
    const result = await receiveReferral(message, `demo:${options.messageId ?? ''}`, sender, gateway.intake);
    if (result.kind === 'refused') {
      const first = result.outcome.issue?.[0];
      throw new Error(
        `demo referral ${options.messageId ?? ''} was refused at ${result.stage}: ${first?.diagnostics ?? ''} ${first?.expression?.[0] ?? ''}`,
      );
    }
    stored++;
  }
  return stored;
}
