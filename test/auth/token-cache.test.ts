/** Verified access tokens kept until they expire: the same answers as verifying every time. */
import { describe, expect, it } from 'vitest';
import { readDemoKey } from '../../src/auth/demo-keys.js';
import {
  CLIENT_ASSERTION_TYPE,
  MemoryJtiStore,
  exchangeToken,
  signClientAssertion,
  tokenEndpoint,
} from '../../src/auth/smart.js';
import { VerifiedTokens } from '../../src/auth/token-cache.js';
import { loadConfig } from '../../src/config/load.js';

const config = loadConfig({ demo: true, env: {} });
const now = new Date('2026-03-01T10:00:00Z');

async function accessToken(): Promise<string> {
  const assertion = await signClientAssertion('demo-gp', readDemoKey('demo-gp'), tokenEndpoint(config), now);
  const res = await exchangeToken(
    {
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: 'system/Task.rs',
    },
    { config, jtis: new MemoryJtiStore(() => now), now: () => now },
  );
  return res.access_token;
}

describe('verified tokens', () => {
  it('when a token is presented again, then the same principal comes back until it expires, and nothing after', async () => {
    const tokens = new VerifiedTokens(config);
    const token = await accessToken();
    const first = await tokens.verify(token, now);
    expect(first?.organisation.id).toBe('gp-de-linde');
    expect(await tokens.verify(token, new Date(now.getTime() + 60_000))).toBe(first);
    expect(await tokens.verify(token, new Date(now.getTime() + 301_000))).toBeUndefined();
  });

  it('when a token is altered, then it is refused, also after the original was cached', async () => {
    const tokens = new VerifiedTokens(config);
    const token = await accessToken();
    await tokens.verify(token, now);
    const [header, payload, signature] = token.split('.');
    const forged = `${header ?? ''}.${payload ?? ''}.${(signature ?? '').slice(0, -4)}AAAA`;
    expect(await tokens.verify(forged, now)).toBeUndefined();
    expect(await tokens.verify('not-a-token', now)).toBeUndefined();
  });

  it('when more tokens arrive than it keeps, then the oldest is verified again and still valid', async () => {
    const tokens = new VerifiedTokens(config, 1);
    const [a, b] = [await accessToken(), await accessToken()];
    expect(await tokens.verify(a ?? '', now)).toBeDefined();
    expect(await tokens.verify(b ?? '', now)).toBeDefined();
    expect(await tokens.verify(a ?? '', now)).toBeDefined();
  });
});
