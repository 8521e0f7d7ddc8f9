import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

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

export const IDENTITY_HEADER = 'x-storefront-identity';
export const REQUEST_ID_HEADER = 'x-request-id';

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

export async function signIdentityAssertion(key: KeyObject, identity: Identity, ttlSeconds = ASSERTION_TTL_SECONDS): Promise<string> {
  const jwt = new SignJWT({ anon: identity.userId === null })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`);
  if (identity.userId !== null) jwt.setSubject(identity.userId);
  return jwt.sign(key);
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
