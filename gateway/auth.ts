import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type FlattenedJWSInput, type JWSHeaderParameters, type JWTVerifyResult } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Identity } from '../common/identity.ts';
import { ErrorCode, requestError } from '../common/errors.ts';
import type { GatewayConfig } from './config.ts';

export type Authenticator = (authorization: string | undefined) => Promise<Identity>;

/**
 * Verifies the client's bearer JWT (jose). No Authorization header means an
 * anonymous request (public fields still work; `me` answers UNAUTHENTICATED);
 * a header that is present but wrong is refused outright with HTTP 401, because
 * silently treating a broken token as anonymous hides client bugs. A token that
 * cannot be checked because the identity provider's key set cannot be read is
 * refused with SERVICE_UNAVAILABLE (503), not as invalid.
 */
function verifierFor(auth: GatewayConfig['auth'], now: () => number): (token: string) => Promise<JWTVerifyResult> {
  const claims = { issuer: auth.issuer, audience: auth.audience };
  if (auth.jwksUrl) {
    // jose caches the key set and refetches it when it sees an unknown `kid`.
    const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
    const key = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
      try {
        return await jwks(header, token);
      } catch (error) {
        if (TOKEN_FAULTS.some((fault) => error instanceof fault)) throw error;
        throw new IdentityProviderUnavailable('the key set could not be read', { cause: error });
      }
    };
    return (token) => jwtVerify(token, key, { ...claims, algorithms: ['RS256', 'ES256', 'EdDSA'], currentDate: new Date(now()) });
  }
  // A KeyObject, not raw bytes: jose imports raw bytes again on every call.
  const secret = createSecretKey(Buffer.from(auth.jwtSecret ?? '', 'utf8'));
  return (token) => jwtVerify(token, secret, { ...claims, algorithms: ['HS256'], currentDate: new Date(now()) });
}

/** What jose's key-set lookup throws because of the token itself (its `kid` or `alg`): the token is refused. */
const TOKEN_FAULTS = [joseErrors.JWKSNoMatchingKey, joseErrors.JWKSMultipleMatchingKeys, joseErrors.JOSENotSupported, joseErrors.JOSEAlgNotAllowed, joseErrors.JWSInvalid];

/**
 * The identity provider's key set could not be read (not reachable, too slow, not
 * a key set): the token may well be valid, so the client is not told it is not
 * (a 401 makes apps sign their users out) but to try again (503).
 */
class IdentityProviderUnavailable extends Error {
  override readonly name = 'IdentityProviderUnavailable';
}

/** A verified token's subject and expiry (`exp`, seconds since the epoch; undefined: none). */
interface Verified {
  readonly userId: string;
  readonly exp: number | undefined;
}

/**
 * Verified tokens kept, by their exact text (signature included: a token that
 * differs in one byte is verified afresh). A client sends the same token until
 * it expires, and verifying it again (HMAC or RSA through WebCrypto, an async
 * job per request) was ~2 % of the gateway's CPU; Envoy's jwt_authn keeps such
 * a cache too. Expiry is checked on every use, as jose checks it; the TTL
 * bounds how long a key removed from the JWKS keeps its tokens accepted.
 */
const VERIFIED_TOKENS = { max: 5000, ttlMs: 60_000 };

export interface AuthenticatorOptions {
  /** The clock, in ms since the epoch (tests); default Date.now. */
  readonly now?: () => number;
  /** Told why the identity provider's key set could not be read (for the log: the cause names its address). */
  readonly onProviderUnavailable?: (cause: unknown) => void;
}

export function createAuthenticator(auth: GatewayConfig['auth'], options: AuthenticatorOptions = {}): Authenticator {
  const now = options.now ?? Date.now;
  const verify = verifierFor(auth, now);
  const verified = new LRUCache<string, Verified>({ max: VERIFIED_TOKENS.max, ttl: VERIFIED_TOKENS.ttlMs, perf: { now } });

  return async (authorization) => {
    if (authorization === undefined || authorization === '') return { userId: null };
    const match = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    const known = verified.get(token);
    if (known) {
      // jose's rule (clock tolerance 0): expired once `exp` <= now, in whole seconds.
      if (known.exp !== undefined && known.exp <= Math.floor(now() / 1000)) {
        verified.delete(token);
        throw unauthenticated('the token has expired');
      }
      return { userId: known.userId };
    }
    try {
      const { payload } = await verify(token);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('the token has no subject (sub claim)');
      verified.set(token, { userId: payload.sub, exp: payload.exp });
      return { userId: payload.sub };
    } catch (error) {
      if (error instanceof IdentityProviderUnavailable) {
        options.onProviderUnavailable?.(error.cause);
        throw requestError(ErrorCode.SERVICE_UNAVAILABLE, 'The identity provider cannot be reached to check the token; try again shortly');
      }
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated(`the token was rejected (${error.code})`);
      throw error;
    }
  };
}

function unauthenticated(reason: string) {
  return requestError(ErrorCode.UNAUTHENTICATED, `Invalid credentials: ${reason}`);
}
