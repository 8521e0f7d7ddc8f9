import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { identityKey, signIdentityAssertion } from '../../common/identity.ts';
import { DEV_IDENTITY_SECRET, DEV_JWT_AUDIENCE, DEV_JWT_ISSUER, DEV_JWT_SECRET } from '../../common/secrets.ts';
import { metricValue } from '../support/metrics.ts';
import { operation } from '../support/operations.ts';
import { postGraphQL, startSystem, tokenFor, type System } from '../support/system.ts';

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

const ME = 'query Me { me { id name email } }';

function devToken(claims: { sub?: string; iss?: string; aud?: string; exp?: number | string }, secret = DEV_JWT_SECRET) {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(claims.iss ?? DEV_JWT_ISSUER).setAudience(claims.aud ?? DEV_JWT_AUDIENCE).setExpirationTime(claims.exp ?? '1h');
  if (claims.sub) jwt.setSubject(claims.sub);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('identity at the gateway', () => {
  it('answers `me` for the user in a valid bearer token', async () => {
    const response = await system.graphql({ query: ME }, { token: await tokenFor('user-0042') });
    assert.equal((response.body.data as { me: { id: string } }).me.id, 'user-0042');
  });

  it('answers UNAUTHENTICATED for `me` without a token, and still serves public fields', async () => {
    const response = await system.graphql({ query: operation('web', 'FrontPage') });
    assert.equal(response.status, 200);
    assert.equal(response.body.data?.['me'], null);
    assert.deepEqual(response.body.errors?.map((e) => [e.extensions?.['code'], e.path]), [['UNAUTHENTICATED', ['me']]]);
    assert.equal((response.body.data?.['featuredProducts'] as unknown[]).length, 12);
  });

  const badTokens: [string, () => Promise<string>][] = [
    ['signed with another secret', () => devToken({ sub: 'user-0001' }, 'x'.repeat(48))],
    ['expired', () => devToken({ sub: 'user-0001', exp: Math.floor(Date.now() / 1000) - 60 })],
    ['for another audience', () => devToken({ sub: 'user-0001', aud: 'someone-else' })],
    ['from another issuer', () => devToken({ sub: 'user-0001', iss: 'https://evil.example/' })],
    ['without a subject', () => devToken({})],
    ['that is not a JWT', async () => 'hello'],
  ];
  for (const [name, make] of badTokens) {
    it(`refuses a token ${name} with HTTP 401 UNAUTHENTICATED and no data`, async () => {
      const response = await system.graphql({ query: ME }, { token: await make() });
      assert.equal(response.status, 401);
      assert.equal('data' in response.body, false);
      assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
    });
  }

  it('refuses an Authorization header that is not a bearer token', async () => {
    const response = await system.graphql({ query: ME }, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(response.status, 401);
    assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
  });
});

describe('identity at the subgraphs', () => {
  const entitiesQuery = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }';

  it('refuses a direct call with a forged identity assertion', async () => {
    const forged = await signIdentityAssertion(identityKey('f'.repeat(48)), { userId: 'user-0001' });
    const response = await postGraphQL(system.subgraphs.user.url, { query: '{ me { id email } }' }, { headers: { 'x-storefront-identity': forged } });
    assert.equal(response.status, 401);
    assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
    assert.equal('data' in response.body, false);
  });

  it('refuses a direct call without any identity assertion, even for public data', async () => {
    const response = await postGraphQL(system.subgraphs.catalog.url, { query: '{ featuredProducts { id } }' });
    assert.equal(response.status, 401);
    assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
  });

  it('refuses the client token itself (only the gateway assertion counts)', async () => {
    const response = await postGraphQL(system.subgraphs.user.url, { query: '{ me { id } }' }, { headers: { 'x-storefront-identity': await tokenFor('user-0001') } });
    assert.equal(response.status, 401);
  });

  it('accepts the gateway-signed assertion (so the refusals above are not blanket refusals)', async () => {
    const assertion = await signIdentityAssertion(identityKey(DEV_IDENTITY_SECRET), { userId: 'user-0001' });
    const response = await postGraphQL(system.subgraphs.user.url, { query: '{ me { id } }' }, { headers: { 'x-storefront-identity': assertion } });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.data, { me: { id: 'user-0001' } });
  });

  it("refuses to resolve another user's entity even with a valid assertion", async () => {
    const assertion = await signIdentityAssertion(identityKey(DEV_IDENTITY_SECRET), { userId: 'user-0001' });
    const response = await postGraphQL(system.subgraphs.user.url, { query: entitiesQuery, variables: { r: [{ __typename: 'User', id: 'user-0002' }] } }, { headers: { 'x-storefront-identity': assertion } });
    assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(response.body), /@/, 'no email may leak');
  });
});

describe('identity assertion signing at the gateway', () => {
  const signed = async () => {
    const text = await (await fetch(system.gateway.url.replace('/graphql', '/metrics'))).text();
    return metricValue(text, 'storefront_gateway_identity_assertions_signed_total', {}) ?? Number.NaN;
  };

  it('signs one assertion per client request, shared by all its subgraph fetches', async () => {
    const before = await signed();
    const response = await system.graphql({ query: operation('web', 'FrontPage') }, { token: await tokenFor('user-0003') });
    assert.equal(response.body.errors, undefined);
    assert.equal(await signed(), before + 1, 'the front page makes 7 subgraph fetches with one assertion');
  });

  it('signs none for a request admission refuses', async () => {
    const before = await signed();
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: featuredProducts { id }`).join(' ');
    const response = await system.graphql({ query: `{ ${aliases} }` }, { token: await tokenFor('user-0003') });
    assert.equal(response.status, 400);
    assert.equal(response.body.errors?.[0]?.extensions?.['code'], 'MAX_ALIASES_LIMIT');
    assert.equal(await signed(), before);
  });

  it('signs none for an operation answered without a subgraph fetch (introspection)', async () => {
    const before = await signed();
    const response = await system.graphql({ query: '{ __schema { queryType { name } } }' }, { token: await tokenFor('user-0003') });
    assert.deepEqual(response.body.data, { __schema: { queryType: { name: 'Query' } } });
    assert.equal(await signed(), before);
  });
});
