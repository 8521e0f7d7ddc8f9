import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';

/**
 * The identity the gateway vouches for when it calls a subgraph.
 *
 * The gateway verifies the client's bearer token, then signs a short-lived
 * assertion with a secret shared only between the gateway and the subgraphs.
 * Subgraphs trust nothing else: a client (or anything else on the network) that
 * calls a subgraph directly cannot forge a user without that secret.
 */
export interface Identity {
  /** The signed-in user's id, or null for an anonymous request. */
  readonly userId: string | null;
}

const ISSUER = 'storefront-gateway';
const AUDIENCE = 'storefront-subgraphs';
/** Long enough for the slowest query plan, short enough that a leaked assertion is useless soon. */
const ASSERTION_TTL_SECONDS = 60;

/**
 * The HMAC key as a KeyObject: jose converts a KeyObject to a CryptoKey once and
 * caches it, where raw bytes would be imported again on every sign and verify
 * (eight times per front-page request across gateway and subgraphs).
 */
export function identityKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** `{"alg":"HS256","typ":"JWT"}`, the protected header jose's SignJWT wrote for us before. */
const ASSERTION_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * An HS256 JWT with the claims jose's SignJWT gave it (`anon`, `iss`, `aud`,
 * `iat`, `exp`, and `sub` for a user), signed with node:crypto's HMAC. Not
 * jose: it signs through WebCrypto, whose every call is an async job with a
 * CryptoKey to transfer, about 6 % of the gateway's CPU on the front page
 * (one signature per request); a synchronous HMAC of ~200 bytes is a few µs.
 * Verification stays with jose (subgraphs, tests).
 */
export async function signIdentityAssertion(key: KeyObject, identity: Identity, ttlSeconds = ASSERTION_TTL_SECONDS): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const claims = {
    anon: identity.userId === null,
    iss: ISSUER,
    aud: AUDIENCE,
    iat: issuedAt,
    exp: issuedAt + ttlSeconds,
    ...(identity.userId !== null ? { sub: identity.userId } : {}),
  };
  const signingInput = `${ASSERTION_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
}

export class IdentityAssertionError extends Error {
  override readonly name = 'IdentityAssertionError';
}

/** Verifies a gateway assertion; throws IdentityAssertionError (never a jose error) when it is missing, forged or expired. */
export async function verifyIdentityAssertion(key: KeyObject, assertion: string | undefined): Promise<Identity> {
  if (!assertion) throw new IdentityAssertionError('missing gateway identity assertion');
  try {
    const { payload } = await jwtVerify(assertion, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    if (payload.anon === true) return { userId: null };
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new IdentityAssertionError('gateway identity assertion has no subject');
    }
    return { userId: payload.sub };
  } catch (error) {
    if (error instanceof IdentityAssertionError) throw error;
    const reason = error instanceof joseErrors.JOSEError ? error.code : 'malformed';
    throw new IdentityAssertionError(`gateway identity assertion rejected (${reason})`);
  }
}
