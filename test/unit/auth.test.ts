import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { GraphQLError } from 'graphql';
import { createAuthenticator } from '../../gateway/auth.ts';
import { DEV_JWT_AUDIENCE, DEV_JWT_ISSUER, DEV_JWT_SECRET } from '../../common/secrets.ts';

const auth = { issuer: DEV_JWT_ISSUER, audience: DEV_JWT_AUDIENCE, jwtSecret: DEV_JWT_SECRET };
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

/** A token for `sub`, issued at T0 and expiring `ttlSeconds` later. */
function token(sub: string, ttlSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(DEV_JWT_ISSUER)
    .setAudience(DEV_JWT_AUDIENCE)
    .setIssuedAt(T0 / 1000)
    .setExpirationTime(T0 / 1000 + ttlSeconds)
    .sign(new TextEncoder().encode(DEV_JWT_SECRET));
}

/** The UNAUTHENTICATED message the authenticator refused with. */
async function refusal(attempt: Promise<unknown>): Promise<string> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof GraphQLError, 'refused with a GraphQL error');
  assert.equal(error.extensions['code'], 'UNAUTHENTICATED');
  return error.message;
}

describe('bearer token verification with verified tokens kept', () => {
  it('accepts a token it verified before until the second it expires, then refuses it as expired', async () => {
    let now = T0;
    const authenticate = createAuthenticator(auth, { now: () => now });
    const jwt = await token('user-0001', 60);
    assert.deepEqual(await authenticate(`Bearer ${jwt}`), { userId: 'user-0001' });
    now = T0 + 59_999;
    assert.deepEqual(await authenticate(`Bearer ${jwt}`), { userId: 'user-0001' }, 'still valid from the cache');
    now = T0 + 60_000;
    assert.match(await refusal(authenticate(`Bearer ${jwt}`)), /expired/);
    assert.match(await refusal(authenticate(`Bearer ${jwt}`)), /expired/, 'and stays refused');
  });

  it('refuses a token already expired when first seen (the cache holds only verified tokens)', async () => {
    const authenticate = createAuthenticator(auth, { now: () => T0 + 120_000 });
    assert.match(await refusal(authenticate(`Bearer ${await token('user-0002', 60)}`)), /expired/);
  });

  it('verifies a token that differs in one byte afresh: a tampered signature is refused after the genuine token was accepted', async () => {
    const authenticate = createAuthenticator(auth, { now: () => T0 });
    const jwt = await token('user-0003', 60);
    await authenticate(`Bearer ${jwt}`);
    const tampered = jwt.slice(0, -2) + (jwt.endsWith('AA') ? 'BB' : 'AA');
    assert.match(await refusal(authenticate(`Bearer ${tampered}`)), /rejected/);
  });

  it('keeps each token to its own subject', async () => {
    const authenticate = createAuthenticator(auth, { now: () => T0 });
    const [a, b] = await Promise.all([token('user-0004', 60), token('user-0005', 60)]);
    assert.deepEqual([await authenticate(`Bearer ${a}`), await authenticate(`Bearer ${b}`), await authenticate(`Bearer ${a}`)], [{ userId: 'user-0004' }, { userId: 'user-0005' }, { userId: 'user-0004' }]);
  });
});
