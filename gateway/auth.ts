import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyResult } from 'jose';
import type { Identity } from '../common/identity.ts';
import { ErrorCode, requestError } from '../common/errors.ts';
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

export function createAuthenticator(auth: GatewayConfig['auth']): Authenticator {
  const verify = verifierFor(auth);

  return async (authorization) => {
    if (authorization === undefined || authorization === '') return { userId: null };
    const match = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    try {
      const { payload } = await verify(match[1]!);
      if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('the token has no subject (sub claim)');
      return { userId: payload.sub };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated(`the token was rejected (${error.code})`);
      throw error;
    }
  };
}

function unauthenticated(reason: string) {
  return requestError(ErrorCode.UNAUTHENTICATED, `Invalid credentials: ${reason}`);
}
