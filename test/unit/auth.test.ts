import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
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

describe('bearer tokens checked against an identity provider\'s JWKS (auth.jwksUrl)', () => {
  /** An identity provider's key set on a real HTTP server, counting the fetches it answers. */
  async function identityProvider() {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const sign = (sub: string, key: CryptoKey | Uint8Array = privateKey, alg = 'RS256') =>
      new SignJWT({}).setProtectedHeader({ alg, kid: 'key-1' }).setSubject(sub).setIssuer(DEV_JWT_ISSUER).setAudience(DEV_JWT_AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(key);
    return { url, sign, fetches: () => fetches, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('accepts tokens signed with the provider\'s key, fetching its key set once for all of them', async () => {
    const idp = await identityProvider();
    try {
      const authenticate = createAuthenticator({ issuer: DEV_JWT_ISSUER, audience: DEV_JWT_AUDIENCE, jwksUrl: idp.url });
      for (const user of ['user-0001', 'user-0002', 'user-0003']) assert.deepEqual(await authenticate(`Bearer ${await idp.sign(user)}`), { userId: user });
      assert.equal(idp.fetches(), 1);
    } finally {
      await idp.close();
    }
  });

  it('refuses a token signed with another key under the provider\'s key id, and an HS256 token signed with the public key\'s text (algorithm confusion)', async () => {
    const idp = await identityProvider();
    try {
      const authenticate = createAuthenticator({ issuer: DEV_JWT_ISSUER, audience: DEV_JWT_AUDIENCE, jwksUrl: idp.url });
      const other = await generateKeyPair('RS256');
      assert.match(await refusal(authenticate(`Bearer ${await idp.sign('user-0001', other.privateKey)}`)), /^Invalid credentials: the token was rejected \(ERR_JWS_SIGNATURE_VERIFICATION_FAILED\)$/);
      const publicText = new TextEncoder().encode(await (await fetch(idp.url)).text());
      assert.match(await refusal(authenticate(`Bearer ${await idp.sign('user-0001', publicText, 'HS256')}`)), /^Invalid credentials: the token was rejected/);
    } finally {
      await idp.close();
    }
  });

  it('while the provider cannot be reached, says so with SERVICE_UNAVAILABLE (the token is not called invalid), naming no address, and tells the log why', async () => {
    const idp = await identityProvider();
    const token = await idp.sign('user-0001');
    await idp.close();
    const causes: unknown[] = [];
    const authenticate = createAuthenticator({ issuer: DEV_JWT_ISSUER, audience: DEV_JWT_AUDIENCE, jwksUrl: idp.url }, { onProviderUnavailable: (cause) => causes.push(cause) });
    const error = await authenticate(`Bearer ${token}`).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof GraphQLError);
    assert.deepEqual([error.extensions['code'], error.message], ['SERVICE_UNAVAILABLE', 'The identity provider cannot be reached to check the token; try again shortly']);
    assert.equal(causes.length, 1, 'the cause went to the log');
  });
});
