/**
 * SMART Backend Services: a client proves itself with a JWT assertion signed by its private key
 * (RS384 or ES384) and receives a short-lived access token with `system/` scopes.
 * https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type KeyObject,
} from 'jose';
import { publicJwk } from '../config/load.js';
import type { ClientConfig, ClientRole, Config, OrganisationConfig } from '../config/types.js';
import { grant, parseScopes, type Scope } from './scopes.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ASSERTION_ALGS = ['RS384', 'ES384'];
const MAX_ASSERTION_LIFETIME_S = 300;

/** Who is calling, as established from a valid access token. */
export interface Principal {
  clientId: string;
  organisation: OrganisationConfig;
  roles: readonly ClientRole[];
  scopes: readonly Scope[];
}

/** Remembers assertion ids until they expire; a second use is refused. Shared by all instances. */
export interface JtiStore {
  /** true when the jti was new and is now remembered; false when it was seen before. */
  remember(clientId: string, jti: string, expiresAt: Date): Promise<boolean>;
}

export class MemoryJtiStore implements JtiStore {
  private readonly seen = new Map<string, number>();
  constructor(private readonly now: () => Date = () => new Date()) {}
  async remember(clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
    const t = this.now().getTime();
    for (const [k, exp] of this.seen) if (exp < t) this.seen.delete(k);
    const key = `${clientId}\u0000${jti}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAt.getTime());
    return true;
  }
}

/** An OAuth 2.0 error (RFC 6749 section 5.2); the message never contains token content. */
export class OAuthError extends Error {
  constructor(
    readonly error:
      'invalid_request' | 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type',
    readonly description: string,
    readonly status: number = error === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

export interface AuthDeps {
  config: Config;
  jtis: JtiStore;
  now: () => Date;
}

export function tokenEndpoint(config: Config): string {
  return `${config.baseUrl.replace(/\/$/, '')}/auth/token`;
}

/** Exchanges a client_credentials request with a JWT client assertion for an access token. */
export async function exchangeToken(form: Record<string, unknown>, deps: AuthDeps): Promise<TokenResponse> {
  if (form.grant_type !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'grant_type must be client_credentials');
  }
  if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
    throw new OAuthError('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  }
  if (typeof form.client_assertion !== 'string' || form.client_assertion.length === 0) {
    throw new OAuthError('invalid_request', 'client_assertion is required');
  }
  if (typeof form.scope !== 'string' || form.scope.trim() === '') {
    throw new OAuthError('invalid_scope', 'scope is required');
  }
  const client = await verifyAssertion(form.client_assertion, deps);
  const requested = parseScopes(form.scope);
  const granted = grant(requested, parseScopes(client.scopes.join(' ')));
  if (granted.length === 0)
    throw new OAuthError('invalid_scope', 'none of the requested scopes is allowed for this client');
  const lifetime = deps.config.auth.tokenLifetimeSeconds;
  const scope = granted.map((s) => s.raw).join(' ');
  const access_token = await signAccessToken(deps.config, client, scope, deps.now(), lifetime);
  return { access_token, token_type: 'bearer', expires_in: lifetime, scope };
}

async function verifyAssertion(assertion: string, deps: AuthDeps): Promise<ClientConfig> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    claims = JSON.parse(
      Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as JWTPayload;
  } catch {
    throw new OAuthError('invalid_client', 'client_assertion is not a JWT');
  }
  if (!header.alg || !ASSERTION_ALGS.includes(header.alg)) {
    throw new OAuthError(
      'invalid_client',
      `client_assertion must be signed with ${ASSERTION_ALGS.join(' or ')}`,
    );
  }
  const client = deps.config.clients.find((c) => c.id === claims.iss);
  if (!client || claims.sub !== claims.iss) throw new OAuthError('invalid_client', 'unknown client');
  const now = deps.now();
  let payload: JWTPayload;
  try {
    const keys = createLocalJWKSet({ keys: client.jwks.keys as JWK[] });
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: ASSERTION_ALGS,
      issuer: client.id,
      subject: client.id,
      audience: tokenEndpoint(deps.config),
      currentDate: now,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch {
    throw new OAuthError(
      'invalid_client',
      'client_assertion could not be verified (signature, audience or expiry)',
    );
  }
  const exp = payload.exp ?? 0;
  if (exp > now.getTime() / 1000 + MAX_ASSERTION_LIFETIME_S) {
    throw new OAuthError('invalid_client', 'client_assertion exp is more than 5 minutes ahead');
  }
  if (
    typeof payload.jti !== 'string' ||
    !(await deps.jtis.remember(client.id, payload.jti, new Date(exp * 1000)))
  ) {
    throw new OAuthError('invalid_client', 'client_assertion jti was used before');
  }
  return client;
}

type Key = CryptoKey | KeyObject | Uint8Array;
let keyCache: { jwk: Record<string, unknown>; sign: Key; verify: Key } | undefined;

/** The gateway's own key pair for access tokens, imported once per configured JWK. */
async function gatewayKeys(config: Config): Promise<{ sign: Key; verify: Key }> {
  if (keyCache?.jwk !== config.auth.signingKey) {
    const alg = signingAlg(config);
    keyCache = {
      jwk: config.auth.signingKey,
      sign: await importJWK(config.auth.signingKey as JWK, alg),
      verify: await importJWK(publicJwk(config.auth.signingKey) as JWK, alg),
    };
  }
  return keyCache;
}

function signingAlg(config: Config): string {
  const alg = config.auth.signingKey.alg;
  return typeof alg === 'string' ? alg : config.auth.signingKey.kty === 'RSA' ? 'RS384' : 'ES384';
}

async function signAccessToken(
  config: Config,
  client: ClientConfig,
  scope: string,
  now: Date,
  lifetime: number,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ scope, org: client.organisation })
    .setProtectedHeader({ alg: signingAlg(config), typ: 'at+jwt' })
    .setIssuer(config.baseUrl)
    .setSubject(client.id)
    .setAudience(`${config.baseUrl.replace(/\/$/, '')}/fhir`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .setJti(randomUUID())
    .sign((await gatewayKeys(config)).sign);
}

/** Verifies a bearer token issued by this gateway; undefined when it is not valid (any reason). */
export async function verifyAccessToken(
  token: string,
  config: Config,
  now: Date,
): Promise<Principal | undefined> {
  let payload: JWTPayload;
  try {
    const { verify } = await gatewayKeys(config);
    ({ payload } = await jwtVerify(token, verify, {
      issuer: config.baseUrl,
      audience: `${config.baseUrl.replace(/\/$/, '')}/fhir`,
      currentDate: now,
      typ: 'at+jwt',
    }));
  } catch {
    return undefined;
  }
  const client = config.clients.find((c) => c.id === payload.sub);
  const organisation = client && config.organisations.find((o) => o.id === client.organisation);
  if (!client || !organisation || typeof payload.scope !== 'string') return undefined;
  return { clientId: client.id, organisation, roles: client.roles, scopes: parseScopes(payload.scope) };
}

/** Signs a client assertion with a client's private key, as a client would (CLI and tests). */
export async function signClientAssertion(
  clientId: string,
  privateJwk: Record<string, unknown>,
  audience: string,
  now: Date,
  lifetimeSeconds = 240,
): Promise<string> {
  const alg = typeof privateJwk.alg === 'string' ? privateJwk.alg : 'ES384';
  const key = await importJWK(privateJwk as JWK, alg);
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({
      alg,
      kid: typeof privateJwk.kid === 'string' ? privateJwk.kid : undefined,
      typ: 'JWT',
    })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(key);
}
