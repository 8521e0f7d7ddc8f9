import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyResult } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Identity } from '../common/identity.ts';
import { ErrorCode, storefrontError } from '../common/errors.ts';
import type { GatewayConfig } from './config.ts';

export type Authenticator = (authorization: string | undefined) => Promise<Identity>;

/**
 * Verifies the client's bearer JWT (jose). No Authorization header means an
 * anonymous request (public fields still work; `me` answers UNAUTHENTICATED);
 * a header that is present but wrong is refused outright with HTTP 401, because
 * silently treating a broken token as anonymous hides client bugs.
 */
function verifierFor(auth: GatewayConfig['auth']): (token: string) => Promise<JWTVerifyResult> {
  const claims = { issuer: auth.issuer, audience: auth.audience };
  if (auth.jwksUrl) {
    // jose caches the key set and refetches it when it sees an unknown `kid`.
    const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
    return (token) => jwtVerify(token, jwks, { ...claims, algorithms: ['RS256', 'ES256', 'EdDSA'] });
  }
  // A KeyObject, not raw bytes: jose imports raw bytes again on every call.
  const secret = createSecretKey(Buffer.from(auth.jwtSecret ?? '', 'utf8'));
  return (token) => jwtVerify(token, secret, { ...claims, algorithms: ['HS256'] });
}

/** A token jose accepted: who it names and the time window its `exp` / `nbf` claims allow. */
interface VerifiedToken {
  readonly userId: string;
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
}

/** Distinct tokens remembered (~0.4 KB each) and for how long at most: a key taken out of the JWKS stops a cached token within this time. */
const VERIFIED_TOKENS_MAX = 10_000;
const VERIFIED_TOKEN_TTL_MS = 60_000;

/** jose's own time checks (clock tolerance 0): `exp` must be in the future, `nbf` not. */
function stillValid(token: VerifiedToken): boolean {
  const now = Math.floor(Date.now() / 1000);
  return (token.exp === undefined || token.exp > now) && (token.nbf === undefined || token.nbf <= now);
}

/**
 * Clients send the same token with every request until it expires, and jose
 * verifies through WebCrypto (an async job per HMAC or signature, measured at
 * ~0.9 ms of gateway CPU per request under profile). So a token jose accepted
 * is remembered, as Envoy's jwt_authn `jwt_cache_config` does: the signature,
 * issuer, audience and subject are facts of the token's text; what can change
 * is the time, so `exp` and `nbf` are checked again on every use, and a token
 * that fails them goes back to jose, which refuses it with its own error.
 * Only accepted tokens are stored, so a forged one never skips verification.
 */
export function createAuthenticator(auth: GatewayConfig['auth']): Authenticator {
  const verify = verifierFor(auth);
  const verified = new LRUCache<string, VerifiedToken>({ max: VERIFIED_TOKENS_MAX, ttl: VERIFIED_TOKEN_TTL_MS });

  return async (authorization) => {
    if (authorization === undefined || authorization === '') return { userId: null };
    const match = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    const known = verified.get(token);
    if (known && stillValid(known)) return { userId: known.userId };
    try {
      const { payload } = await verify(token);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('the token has no subject (sub claim)');
      verified.set(token, { userId: payload.sub, exp: payload.exp, nbf: payload.nbf });
      return { userId: payload.sub };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated(`the token was rejected (${error.code})`);
      throw error;
    }
  };
}

function unauthenticated(reason: string) {
  return storefrontError(ErrorCode.UNAUTHENTICATED, `Invalid credentials: ${reason}`, { httpStatus: 401 });
}
