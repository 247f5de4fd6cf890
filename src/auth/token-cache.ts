/**
 * Verified access tokens kept by their text until they expire. Verifying an ES384 signature
 * costs a fraction of a millisecond on every request; a client sends the same token for its
 * whole lifetime (minutes), so each token is verified once. A token is only ever cached after a
 * full verification, and never past its `exp`; the configuration cannot change while it runs.
 */
import { decodeJwt } from 'jose';
import type { Config } from '../config/types.js';
import { verifyAccessToken, type Principal } from './smart.js';

interface Verified {
  principal: Principal;
  /** `exp` in milliseconds. */
  expiresAt: number;
}

export class VerifiedTokens {
  private readonly byToken = new Map<string, Verified>();

  constructor(
    private readonly config: Config,
    /** At most this many tokens are kept; the oldest goes first. */
    private readonly capacity = 10_000,
  ) {}

  /** The token's principal, as `verifyAccessToken` gives it; undefined when invalid or expired. */
  async verify(token: string, now: Date): Promise<Principal | undefined> {
    const hit = this.byToken.get(token);
    if (hit && hit.expiresAt > now.getTime()) return hit.principal;
    if (hit) this.byToken.delete(token);
    const principal = await verifyAccessToken(token, this.config, now);
    if (principal) this.remember(token, principal, now);
    return principal;
  }

  private remember(token: string, principal: Principal, now: Date): void {
    const { exp, nbf } = decodeJwt(token);
    // A token without an expiry, or not valid before some later time, is verified every time.
    if (typeof exp !== 'number' || (typeof nbf === 'number' && nbf * 1000 > now.getTime())) return;
    if (this.byToken.size >= this.capacity) {
      const oldest = this.byToken.keys().next();
      if (!oldest.done) this.byToken.delete(oldest.value);
    }
    this.byToken.set(token, { principal, expiresAt: exp * 1000 });
  }
}
