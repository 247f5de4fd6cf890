/** Test helpers: demo configuration and access tokens for demo clients, as a client would get them. */
import { readDemoKey } from '../../src/auth/demo-keys.js';
import { signClientAssertion, tokenEndpoint } from '../../src/auth/smart.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import request from 'supertest';
import type { Express } from 'express';

export const demoConfig: Config = loadConfig({ demo: true, env: {} });

export async function tokenFor(
  app: Express,
  clientId: string,
  scope = 'system/*.cruds',
  now = new Date(),
): Promise<string> {
  const assertion = await signClientAssertion(
    clientId,
    readDemoKey(clientId),
    tokenEndpoint(demoConfig),
    now,
  );
  const res = await request(app).post('/auth/token').type('form').send({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope,
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { access_token: string }).access_token;
}
