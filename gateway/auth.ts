import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
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
export function createAuthenticator(auth: GatewayConfig['auth']): Authenticator {
  const key: Uint8Array | JWTVerifyGetKey = auth.jwksUrl
    ? createRemoteJWKSet(new URL(auth.jwksUrl))
    : new TextEncoder().encode(auth.jwtSecret);
  const algorithms = auth.jwksUrl ? ['RS256', 'ES256', 'EdDSA'] : ['HS256'];

  return async (authorization) => {
    if (authorization === undefined || authorization === '') return { userId: null };
    const match = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    try {
      const { payload } = await jwtVerify(match[1]!, key as Uint8Array, { issuer: auth.issuer, audience: auth.audience, algorithms });
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
  return storefrontError(ErrorCode.UNAUTHENTICATED, `Invalid credentials: ${reason}`, { httpStatus: 401 });
}
