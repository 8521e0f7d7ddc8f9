import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mintDevToken } from '../../common/dev-token.ts';
import { DEV_JWT_AUDIENCE, DEV_JWT_ISSUER, DEV_JWT_SECRET } from '../../common/secrets.ts';
import { createAuthenticator } from '../../gateway/auth.ts';

const auth = { issuer: DEV_JWT_ISSUER, audience: DEV_JWT_AUDIENCE, jwtSecret: DEV_JWT_SECRET };

describe('client token authentication', () => {
  it('accepts the same token on every request it is sent with', async () => {
    const authenticate = createAuthenticator(auth);
    const token = await mintDevToken('user-0001');
    for (let i = 0; i < 3; i++) assert.deepEqual(await authenticate(`Bearer ${token}`), { userId: 'user-0001' });
  });

  it('refuses a token once it has expired, though it was accepted before', async () => {
    const authenticate = createAuthenticator(auth);
    const expiresAt = Math.floor(Date.now() / 1000) + 1;
    const token = await mintDevToken('user-0001', { expiresIn: expiresAt });
    assert.deepEqual(await authenticate(`Bearer ${token}`), { userId: 'user-0001' });
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    await assert.rejects(authenticate(`Bearer ${token}`), /the token has expired/);
  });

  it('refuses a token signed with another secret after a good one was accepted', async () => {
    const authenticate = createAuthenticator(auth);
    await authenticate(`Bearer ${await mintDevToken('user-0001')}`);
    const forged = await mintDevToken('user-0001', { secret: 'x'.repeat(48) });
    await assert.rejects(authenticate(`Bearer ${forged}`), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  });
});
