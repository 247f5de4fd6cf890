import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { assertNoDemoKeysOutsideDemo, readDemoKey } from '../../src/auth/demo-keys.js';
import { allows, parseScope, parseScopes } from '../../src/auth/scopes.js';
import {
  CLIENT_ASSERTION_TYPE,
  MemoryJtiStore,
  OAuthError,
  exchangeToken,
  signClientAssertion,
  tokenEndpoint,
  verifyAccessToken,
} from '../../src/auth/smart.js';

const config = loadConfig({ demo: true, env: {} });
const now = new Date('2026-03-01T10:00:00Z');

async function form(
  overrides: Record<string, unknown> = {},
  assertionOpts: { aud?: string; client?: string; lifetime?: number; at?: Date } = {},
) {
  const client = assertionOpts.client ?? 'demo-gp';
  const assertion = await signClientAssertion(
    client,
    readDemoKey(client),
    assertionOpts.aud ?? tokenEndpoint(config),
    assertionOpts.at ?? now,
    assertionOpts.lifetime ?? 240,
  );
  return {
    grant_type: 'client_credentials',
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
    scope: 'system/Task.rs system/ServiceRequest.rs',
    ...overrides,
  };
}

async function oauthError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OAuthError) return `${err.status} ${err.error}`;
    throw err;
  }
  throw new Error('expected an OAuthError');
}

describe('SMART Backend Services', () => {
  const deps = () => ({ config, jtis: new MemoryJtiStore(() => now), now: () => now });

  it('when a demo client sends a valid assertion, then it gets a token that verifies to its organisation', async () => {
    const res = await exchangeToken(await form(), deps());
    expect(res.token_type).toBe('bearer');
    expect(res.expires_in).toBe(300);
    const principal = await verifyAccessToken(res.access_token, config, now);
    expect(principal?.organisation.id).toBe('gp-de-linde');
    expect(principal && allows(principal.scopes, 'Task', 'r')).toBe(true);
    expect(principal && allows(principal.scopes, 'Task', 'c')).toBe(false);
  });

  it('when the same assertion is sent twice, then the second is refused', async () => {
    const d = deps();
    const f = await form();
    await exchangeToken(f, d);
    expect(await oauthError(exchangeToken(f, d))).toBe('401 invalid_client');
  });

  it('when the audience is not the token endpoint, then it is refused', async () => {
    expect(await oauthError(exchangeToken(await form({}, { aud: 'https://elsewhere/token' }), deps()))).toBe(
      '401 invalid_client',
    );
  });

  it('when exp is more than 5 minutes ahead, then it is refused', async () => {
    expect(await oauthError(exchangeToken(await form({}, { lifetime: 600 }), deps()))).toBe(
      '401 invalid_client',
    );
  });

  it('when the assertion has expired, then it is refused', async () => {
    const old = new Date(now.getTime() - 10 * 60_000);
    expect(await oauthError(exchangeToken(await form({}, { at: old }), deps()))).toBe('401 invalid_client');
  });

  it('when signed with another client key, then it is refused', async () => {
    const assertion = await signClientAssertion(
      'demo-gp',
      readDemoKey('demo-ggz'),
      tokenEndpoint(config),
      now,
    );
    expect(await oauthError(exchangeToken(await form({ client_assertion: assertion }), deps()))).toBe(
      '401 invalid_client',
    );
  });

  it('when the scope is not allowed for the client, then it is invalid_scope', async () => {
    const f = await form({ scope: 'system/Patient.cruds' }, { client: 'demo-privacy-officer' });
    expect(await oauthError(exchangeToken(f, deps()))).toBe('400 invalid_scope');
  });

  it('when the grant type is wrong, then it is unsupported_grant_type', async () => {
    expect(await oauthError(exchangeToken(await form({ grant_type: 'password' }), deps()))).toBe(
      '400 unsupported_grant_type',
    );
  });

  it('when an access token has expired or is tampered with, then it does not verify', async () => {
    const { access_token } = await exchangeToken(await form(), deps());
    expect(await verifyAccessToken(access_token, config, new Date(now.getTime() + 301_000))).toBeUndefined();
    const parts = access_token.split('.');
    const claims = decodeJwt(access_token);
    const forged = [
      parts[0],
      Buffer.from(JSON.stringify({ ...claims, sub: 'demo-ggz' })).toString('base64url'),
      parts[2],
    ].join('.');
    expect(await verifyAccessToken(forged, config, now)).toBeUndefined();
  });

  it('when not in demo mode with demo keys, then start-up is refused naming the key', async () => {
    const prod: Config = { ...config, demo: false };
    await expect(assertNoDemoKeysOutsideDemo(prod)).rejects.toThrow(
      /auth.signingKey: this is a public demo key/,
    );
  });
});

describe('scopes', () => {
  it('when v1 and v2 scopes are parsed, then interactions follow SMART', () => {
    expect([...(parseScope('system/Task.read')?.interactions ?? [])].sort()).toEqual(['r', 's']);
    expect([...(parseScope('system/*.cruds')?.interactions ?? [])].sort()).toEqual(['c', 'd', 'r', 's', 'u']);
    expect(parseScope('patient/Task.read')).toBeUndefined();
    expect(parseScope('system/Task.xyz')).toBeUndefined();
    expect(allows(parseScopes('system/Task.rs'), 'Patient', 'r')).toBe(false);
  });
});
