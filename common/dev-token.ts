import { SignJWT } from 'jose';
import { DEV_JWT_AUDIENCE, DEV_JWT_ISSUER, DEV_JWT_SECRET } from './secrets.ts';

export interface DevTokenOptions {
  readonly secret?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** jose duration, e.g. "12h". Default 12h. */
  readonly expiresIn?: string | number;
}

/**
 * Mints a client token the way an identity provider would, signed with the
 * development HS256 secret. For local use, tests and benchmarks only.
 */
export function mintDevToken(userId: string, options: DevTokenOptions = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(options.issuer ?? DEV_JWT_ISSUER)
    .setAudience(options.audience ?? DEV_JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}
