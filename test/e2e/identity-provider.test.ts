import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEV_JWT_AUDIENCE, DEV_JWT_ISSUER } from '../../common/secrets.ts';
import type { RunningGateway } from '../../gateway/server.ts';
import { useSharedGraph } from '../support/graph.ts';
import { postGraphQL } from '../support/system.ts';

/**
 * A gateway configured as in production: client tokens signed by an identity
 * provider (RS256), checked against its JWKS (auth.jwksUrl) served over real
 * HTTP, and what a client sees when that provider cannot be reached.
 */
const graph = useSharedGraph();
const ME = '{ me { id } }';

let provider: Server;
let jwksUrl: string;
let serving = true;
let sign: (sub: string) => Promise<string>;
let gateway: RunningGateway;

before(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const keys = [{ ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' }];
  provider = createServer((req, res) => {
    if (!serving) return void req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  provider.listen(0, '127.0.0.1');
  await once(provider, 'listening');
  jwksUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/.well-known/jwks.json`;
  sign = (sub) => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setSubject(sub).setIssuer(DEV_JWT_ISSUER).setAudience(DEV_JWT_AUDIENCE).setExpirationTime('5m').sign(privateKey);
  gateway = await graph.gateway({ auth: { jwksUrl } });
});
after(() => new Promise((resolve) => provider?.close(resolve)));

describe('client tokens from an identity provider (auth.jwksUrl)', () => {
  it('answers `me` for the user of a token the provider signed', async () => {
    const r = await postGraphQL(gateway.url, { query: ME }, { token: await sign('user-0042') });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { me: { id: 'user-0042' } });
  });

  it('while the provider cannot be reached: 503 SERVICE_UNAVAILABLE with Retry-After for a token it never checked, no address in the answer, and public fields still served without a token', async () => {
    serving = false;
    try {
      // A token signed with a new key id: the gateway must go to the provider for it.
      const { privateKey } = await generateKeyPair('RS256');
      const unseen = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'key-2' }).setSubject('user-0043').setIssuer(DEV_JWT_ISSUER).setAudience(DEV_JWT_AUDIENCE).setExpirationTime('5m').sign(privateKey);
      // jose waits 30 s after one fetch before it fetches again for an unknown key id; a fresh gateway has not fetched yet.
      const fresh = await graph.gateway({ auth: { jwksUrl } });
      const r = await postGraphQL(fresh.url, { query: ME }, { token: unseen });
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '5');
      assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'SERVICE_UNAVAILABLE');
      assert.ok(!JSON.stringify(r.body).includes('127.0.0.1'), JSON.stringify(r.body));
      const anonymous = await postGraphQL(fresh.url, { query: '{ featuredProducts { id } }' });
      assert.equal(anonymous.status, 200);
      assert.equal(anonymous.body.errors, undefined);
    } finally {
      serving = true;
    }
  });
});
