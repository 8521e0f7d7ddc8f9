import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { IdentityAssertionError, identityKey, signIdentityAssertion, verifyIdentityAssertion } from '../../common/identity.ts';

const key = identityKey('k'.repeat(40));
const otherKey = identityKey('o'.repeat(40));

describe('gateway identity assertion', () => {
  it('round-trips a signed-in user and an anonymous request', async () => {
    assert.deepEqual(await verifyIdentityAssertion(key, await signIdentityAssertion(key, { userId: 'user-0001' })), { userId: 'user-0001' });
    assert.deepEqual(await verifyIdentityAssertion(key, await signIdentityAssertion(key, { userId: null })), { userId: null });
  });

  it('carries the header and claims jose SignJWT wrote, and jose verifies it', async () => {
    for (const userId of ['user-0001', null]) {
      const ours = await signIdentityAssertion(key, { userId });
      const jwt = new SignJWT({ anon: userId === null }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('storefront-gateway').setAudience('storefront-subgraphs').setIssuedAt().setExpirationTime('60s');
      if (userId !== null) jwt.setSubject(userId);
      const theirs = await jwt.sign(key);
      assert.deepEqual(decodeProtectedHeader(ours), decodeProtectedHeader(theirs));
      const [a, b] = [decodeJwt(ours), decodeJwt(theirs)];
      assert.ok(Math.abs(a.iat! - b.iat!) <= 1);
      assert.deepEqual({ ...a, iat: 0, exp: a.exp! - a.iat! }, { ...b, iat: 0, exp: b.exp! - b.iat! });
      await jwtVerify(ours, key, { issuer: 'storefront-gateway', audience: 'storefront-subgraphs', algorithms: ['HS256'] });
    }
  });

  it('rejects a missing assertion', async () => {
    await assert.rejects(verifyIdentityAssertion(key, undefined), IdentityAssertionError);
  });

  it('rejects an assertion signed with another secret (a forged identity)', async () => {
    await assert.rejects(verifyIdentityAssertion(key, await signIdentityAssertion(otherKey, { userId: 'user-0001' })), /rejected \(ERR_JWS_SIGNATURE_VERIFICATION_FAILED\)/);
  });

  it('rejects an unsigned ("alg": "none") token and garbage', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'user-0001', iss: 'storefront-gateway', aud: 'storefront-subgraphs' })).toString('base64url');
    await assert.rejects(verifyIdentityAssertion(key, `${header}.${payload}.`), IdentityAssertionError);
    await assert.rejects(verifyIdentityAssertion(key, 'not-a-jwt'), IdentityAssertionError);
  });

  it('rejects an expired assertion and one meant for another audience', async () => {
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user-0001').setIssuer('storefront-gateway').setAudience('storefront-subgraphs').setIssuedAt(0).setExpirationTime(60).sign(key);
    await assert.rejects(verifyIdentityAssertion(key, expired), /ERR_JWT_EXPIRED/);
    const wrongAudience = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user-0001').setIssuer('storefront-gateway').setAudience('somebody-else').setExpirationTime('1m').sign(key);
    await assert.rejects(verifyIdentityAssertion(key, wrongAudience), /ERR_JWT_CLAIM_VALIDATION_FAILED/);
  });
});
