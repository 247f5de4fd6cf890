/**
 * `overdracht token --client ID [--scope S]`: an access token for a client of the demo
 * configuration, as that client would get one: a client assertion signed with its demo key,
 * exchanged in this process by the gateway's own token logic (no server needed). The token is
 * valid for a gateway running the demo configuration on the same PORT / OVERDRACHT_BASE_URL.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_KEYS_DIR, readDemoKey } from '../auth/demo-keys.js';
import {
  CLIENT_ASSERTION_TYPE,
  exchangeToken,
  MemoryJtiStore,
  OAuthError,
  signClientAssertion,
  tokenEndpoint,
} from '../auth/smart.js';
import { DEMO_CONFIG_FILE, loadConfig, projectRoot } from '../config/load.js';
import type { CliCommand } from './commands.js';

const USAGE = `overdracht token --client ID [--scope SCOPE]

  --client ID     a client of the demo configuration (config/demo.yaml), e.g. demo-gp, demo-ggz,
                  demo-youth-ggz, demo-social-team, demo-privacy-officer
  --scope SCOPE   the scopes to ask for (default: all the client may have), e.g. "system/Task.rs"

Prints the access token; use it as "Authorization: Bearer <token>". It expires after a few minutes.`;

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'Print an access token for a client of the demo configuration (signed with its demo key)',
  usage: USAGE,
  async run(args) {
    const clientId = option(args, '--client');
    if (!clientId) {
      process.stderr.write(`overdracht token: --client is required\n\n${USAGE}\n`);
      return 2;
    }
    const config = loadConfig({ demo: true, file: join(projectRoot(), DEMO_CONFIG_FILE) });
    const client = config.clients.find((c) => c.id === clientId);
    if (!client || !existsSync(join(projectRoot(), DEMO_KEYS_DIR, `${clientId}.private.jwk.json`))) {
      process.stderr.write(
        `overdracht token: no demo client '${clientId}'; demo clients: ${config.clients.map((c) => c.id).join(', ')}\n`,
      );
      return 2;
    }
    const now = new Date();
    const assertion = await signClientAssertion(clientId, readDemoKey(clientId), tokenEndpoint(config), now);
    try {
      const token = await exchangeToken(
        {
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: assertion,
          scope: option(args, '--scope') ?? client.scopes.join(' '),
        },
        { config, jtis: new MemoryJtiStore(), now: () => now },
      );
      process.stdout.write(`${token.access_token}\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      process.stderr.write(`overdracht token: ${err.error}: ${err.description}\n`);
      return 1;
    }
  },
};
