import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startGateway } from '../../gateway/server.ts';
import { operation } from '../support/operations.ts';
import { gatewayConfigFor, postGraphQL, startRestServices, startSubgraphs, silentLogger, startSystem, tokenFor, type System } from '../support/system.ts';
import { waitFor } from '../support/wait.ts';

const ADD = operation('web', 'AddToCart');
const ROOT = new URL('../../', import.meta.url).pathname;
type Cart = { itemCount: number; items: { quantity: number; product: { id: string } }[] };

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system.stop());

const add = (token: string, productId: string, key: string | undefined, quantity = 1) =>
  system.graphql({ query: ADD, variables: { productId, quantity } }, { token, headers: key ? { 'idempotency-key': key } : {} });
const cartOf = (r: Awaited<ReturnType<typeof add>>) => (r.body.data?.['addToCart'] ?? null) as Cart | null;
const quantityIn = (cart: Cart | null, productId: string) => cart?.items.find((i) => i.product.id === productId)?.quantity ?? 0;

describe('writes safe to retry: Idempotency-Key', () => {
  it('the same key again answers the first result without applying twice', async () => {
    const token = await tokenFor('user-0701');
    const key = randomUUID();
    const first = await add(token, 'prod-00777', key, 2);
    const again = await add(token, 'prod-00777', key, 2);
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    assert.deepEqual(cartOf(again), cartOf(first));
    const fresh = await add(token, 'prod-00777', randomUUID(), 2);
    assert.equal(quantityIn(cartOf(fresh), 'prod-00777'), quantityIn(cartOf(first), 'prod-00777') + 2, 'a new key is a new write');
  });

  it('without a key every request is a new write (and is still never retried automatically)', async () => {
    const token = await tokenFor('user-0702');
    const one = await add(token, 'prod-00778', undefined);
    const two = await add(token, 'prod-00778', undefined);
    assert.equal(quantityIn(cartOf(two), 'prod-00778'), quantityIn(cartOf(one), 'prod-00778') + 1);
  });

  it('the same key on a different request is refused with IDEMPOTENCY_KEY_REUSED, and nothing is applied', async () => {
    const token = await tokenFor('user-0703');
    const key = randomUUID();
    const first = await add(token, 'prod-00779', key, 1);
    const other = await add(token, 'prod-00780', key, 1);
    assert.equal(other.status, 200);
    assert.equal(other.body.errors?.[0]?.extensions?.['code'], 'IDEMPOTENCY_KEY_REUSED');
    assert.match(other.body.errors?.[0]?.message ?? '', /already used for a different request/);
    const after = await add(token, 'prod-00779', key, 1);
    assert.deepEqual(cartOf(after), cartOf(first));
    assert.equal(quantityIn(cartOf(after), 'prod-00780'), 0);
  });

  it('keys are per user: two users sending the same key each get their own write', async () => {
    const key = randomUUID();
    const a = await add(await tokenFor('user-0704'), 'prod-00781', key);
    const b = await add(await tokenFor('user-0705'), 'prod-00781', key);
    assert.equal(quantityIn(cartOf(a), 'prod-00781') >= 1 && quantityIn(cartOf(b), 'prod-00781') >= 1, true);
    assert.equal(b.body.errors, undefined);
  });

  it('two writes in one operation under one key are two writes, both replayed on retry', async () => {
    const token = await tokenFor('user-0706');
    const key = randomUUID();
    const query = 'mutation { a: addToCart(productId: "prod-00782") { itemCount } b: addToCart(productId: "prod-00782") { itemCount } }';
    const first = await system.graphql({ query }, { token, headers: { 'idempotency-key': key } });
    const retry = await system.graphql({ query }, { token, headers: { 'idempotency-key': key } });
    const counts = (r: typeof first) => [(r.body.data?.['a'] as Cart).itemCount, (r.body.data?.['b'] as Cart).itemCount];
    assert.equal(counts(first)[1], counts(first)[0]! + 1);
    assert.deepEqual(counts(retry), counts(first));
  });

  it('a malformed key is refused before execution: HTTP 400 BAD_REQUEST saying what was expected', async () => {
    const r = await add(await tokenFor('user-0707'), 'prod-00783', 'has spaces in it');
    assert.equal(r.status, 400);
    assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'BAD_REQUEST');
    assert.match(r.body.errors?.[0]?.message ?? '', /Idempotency-Key: expected 1 to 255 printable characters/);
    assert.equal(r.body.data, undefined);
  });
});

/** The cart REST service as its own process, so it can be paused (SIGSTOP) as a hung host would be. */
async function spawnCartService(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['services/main.ts', '--service', 'cart', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`cart service exited (${code}) before listening: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) resolve(match[1]!);
    });
  });
  return { child, url };
}

describe('10 concurrent retries of one add-to-cart while the cart service is paused', () => {
  it('each says its outcome is unknown; after the service resumes, a retry with the same key gets the one result: applied exactly once', async () => {
    const { child, url } = await spawnCartService();
    const rest = await startRestServices();
    const subgraphs = await startSubgraphs({ ...rest, cart: { url } }, { restTimeoutMs: 400 });
    const gateway = await startGateway(gatewayConfigFor(subgraphs), silentLogger);
    try {
      const token = await tokenFor('user-0710');
      const cartNow = async () => (await (await fetch(`${url}/carts/user-0710`)).json()) as { items: { productId: string; quantity: number }[] };
      const quantityNow = async () => (await cartNow()).items.find((i) => i.productId === 'prod-00901')?.quantity ?? 0;
      const before = await quantityNow();
      const key = randomUUID();
      const send = () => postGraphQL(gateway.url, { query: ADD, variables: { productId: 'prod-00901', quantity: 3 } }, { token, headers: { 'idempotency-key': key } });

      child.kill('SIGSTOP');
      const answers = await Promise.all(Array.from({ length: 10 }, send));
      for (const a of answers) {
        assert.equal(a.status, 200);
        assert.equal(a.body.data, null);
        // Timed out, or (the REST breaker having seen enough timeouts) refused on the retry after a timed-out attempt.
        assert.ok(['UPSTREAM_TIMEOUT', 'UPSTREAM_CIRCUIT_OPEN'].includes(String(a.body.errors?.[0]?.extensions?.['code'])), JSON.stringify(a.body.errors));
        assert.equal(a.body.errors?.[0]?.extensions?.['outcome'], 'unknown', 'the client is told to retry with the same key');
      }
      child.kill('SIGCONT');

      // The resumed service works through what was queued while it was paused; then the client retries.
      // (The REST breaker, open after the timeouts, lets calls through again after its 5 s cooldown.)
      await waitFor(async () => (await send()).body.errors === undefined, 15_000);
      const retried = await send();
      assert.equal(retried.body.errors, undefined, JSON.stringify(retried.body.errors));
      assert.equal(quantityIn(retried.body.data?.['addToCart'] as Cart, 'prod-00901'), before + 3);
      assert.equal(await quantityNow(), before + 3, 'applied exactly once');
      // And once more, for good measure: still once.
      await send();
      assert.equal(await quantityNow(), before + 3);
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await gateway.stop();
      await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
      await Promise.all(Object.values(rest).map((s) => s.close()));
    }
  });
});
