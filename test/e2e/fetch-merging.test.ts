import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { operation } from '../support/operations.ts';
import { startSlowProxy } from '../support/slow-proxy.ts';
import { gatewayConfigFor, postGraphQL, silentLogger, startSystem, tokenFor, type GraphQLResponse, type System } from '../support/system.ts';

/**
 * Concurrent fetches of one request to the same subgraph go out as one HTTP
 * request (docs/subgraph-fetches.md). The reference for "what a merged fetch
 * must answer" is the same gateway with merging off, on the same subgraphs.
 */
const FRONT_PAGE = operation('web', 'FrontPage');
const HEAVY = readFileSync('bench/heavy.graphql', 'utf8');
// Entity cache off: both gateways fetch every time, so their answers and fetch
// counts compare (merging with the cache in front: test/e2e/entity-cache.test.ts).
const SETTINGS = { entityCache: { enabled: false }, healthCheckIntervalMs: 0 };
/** Two pricing fetches the planner runs in the same Parallel node, and a product that does not exist. */
const SIDE_BY_SIDE = `{
  a: product(id: "prod-00001") { name price { effectivePrice { formatted } } }
  b: product(id: "prod-00002") { price { onSale effectivePrice { amountCents } } promotions { label } }
  none: product(id: "prod-99999") { price { onSale } }
}`;
/** Cart.totals (critical, @requires) and the items' prices (optional): both from pricing, in one request. */
const TOTALS_AND_PRICES = 'query { me { cart { totals { total { amountCents } } items { product { id price { onSale } } } } } }';

let system: System;
let unmerged: RunningGateway;
let merged: RunningGateway;

before(async () => {
  system = await startSystem({ gateway: SETTINGS });
  merged = system.gateway;
  unmerged = await startGateway(gatewayConfigFor(system.subgraphs, { ...SETTINGS, subgraphFetchMerging: { enabled: false } }), silentLogger);
});
after(async () => {
  await unmerged?.stop();
  await system?.stop();
});

/** What a client compares: data, errors (message, path, code) and the completeness signal. */
function answer(r: GraphQLResponse) {
  const errors = r.body.errors?.map((e) => ({ message: e.message, path: e.path, code: e.extensions?.['code'] }));
  const { completed, failedServices, fallbacks } = r.body.extensions ?? {};
  return { status: r.status, data: r.body.data, errors, completed, failedServices, fallbacks };
}

async function both(query: string, token?: string, variables?: Record<string, unknown>) {
  const options = token ? { token } : {};
  const [m, u] = await Promise.all([postGraphQL(merged.url, { query, variables }, options), postGraphQL(unmerged.url, { query, variables }, options)]);
  return { merged: m, unmerged: u };
}

/** A hop (test/support/slow-proxy.ts) in front of a subgraph: it records every request the gateway sends there. */
async function hopBefore(subgraphUrl: string, delayMs: number) {
  const hop = await startSlowProxy(new URL(subgraphUrl).origin, delayMs);
  return { ...hop, url: `${hop.url}${new URL(subgraphUrl).pathname}` };
}

const restCalls = (r: GraphQLResponse) => Object.values((r.body.extensions?.['restCalls'] as Record<string, number> | undefined) ?? {}).reduce((a, b) => a + b, 0);

describe('fetch merging: merged fetches answer exactly what unmerged ones do', () => {
  it('the front page, signed in and anonymous (whose `me` fails UNAUTHENTICATED)', async () => {
    for (const token of [await tokenFor('user-0001'), await tokenFor('user-0042'), undefined]) {
      const r = await both(FRONT_PAGE, token);
      assert.deepEqual(answer(r.merged), answer(r.unmerged));
    }
    const signedIn = await both(FRONT_PAGE, await tokenFor('user-0003'));
    assert.deepEqual([restCalls(signedIn.merged), restCalls(signedIn.unmerged)], [6, 7], 'one pricing call instead of two');
  });

  it('the heavy nested operation: entity chains, fragments, @requires', async () => {
    for (const user of ['user-0001', 'user-0777']) {
      const r = await both(HEAVY, await tokenFor(user));
      assert.equal(r.merged.body.errors, undefined, JSON.stringify(r.merged.body.errors));
      assert.deepEqual(answer(r.merged), answer(r.unmerged));
    }
  });

  it('fetches under @include/@skip, picked or not', async () => {
    const query = `query ($prices: Boolean!, $noPromotions: Boolean!) {
      me { cart { items { product { id price @include(if: $prices) { onSale } promotions @skip(if: $noPromotions) { label } } } } }
      featuredProducts { id price @include(if: $prices) { onSale } }
    }`;
    const token = await tokenFor('user-0011');
    for (const variables of [{ prices: true, noPromotions: false }, { prices: false, noPromotions: true }]) {
      const r = await both(query, token, variables);
      assert.equal(r.merged.body.errors, undefined, JSON.stringify(r.merged.body.errors));
      assert.deepEqual(answer(r.merged), answer(r.unmerged));
    }
  });

  it('fetches issued in the same tick, with aliases and a product that does not exist (null)', async () => {
    const r = await both(SIDE_BY_SIDE);
    assert.deepEqual(answer(r.merged), answer(r.unmerged));
    assert.equal((r.merged.body.data as { none: unknown }).none, null);
    assert.equal(r.merged.body.extensions?.['restCalls']?.['pricing GET /prices' as never], 1);
  });
});

describe('fetch merging: what is never merged', () => {
  it('never merges two concurrent requests: each gets its own pricing request with its own cart', async () => {
    const hop = await hopBefore(system.subgraphs.pricing.url, 0);
    const gateway = await startGateway(gatewayConfigFor({ ...system.subgraphs, pricing: { url: hop.url } }, { healthCheckIntervalMs: 0 }), silentLogger);
    try {
      const users = ['user-0001', 'user-0002', 'user-0003', 'user-0004', 'user-0005', 'user-0006'];
      const tokens = await Promise.all(users.map(tokenFor));
      const answers = await Promise.all(tokens.map((token) => postGraphQL(gateway.url, { query: FRONT_PAGE }, { token })));
      const alone = await Promise.all(tokens.map((token) => postGraphQL(unmerged.url, { query: FRONT_PAGE }, { token })));
      assert.deepEqual(answers.map(answer), alone.map(answer));
      // Each client request's pricing fetches went in its own requests: one, or two when the machine
      // is so slow that the featured prices stopped waiting for the cart's (maxWaitMs).
      const perRequest = new Map<unknown, number>();
      for (const r of hop.received) perRequest.set(r.headers['x-request-id'], (perRequest.get(r.headers['x-request-id']) ?? 0) + 1);
      assert.equal(perRequest.size, users.length, 'every client request sent its own');
      assert.ok([...perRequest.values()].every((sent) => sent <= 2));
    } finally {
      await gateway.stop();
      await hop.close();
    }
  });
  // Mutations: test/unit/fetch-merge.test.ts (the planner puts consecutive writes to one subgraph in one fetch, so no operation has two to merge).
});

describe('fetch merging: holding a fetch back for a partner', () => {
  it('holds it no longer than maxWaitMs: with the cart subgraph 1 s slow, the featured products\' prices go on their own', async () => {
    const slowCart = await hopBefore(system.subgraphs.cart.url, 1000);
    const pricing = await hopBefore(system.subgraphs.pricing.url, 0);
    const gateway = await startGateway(gatewayConfigFor({ ...system.subgraphs, cart: { url: slowCart.url }, pricing: { url: pricing.url } }, { healthCheckIntervalMs: 0, subgraphFetchMerging: { maxWaitMs: 50 } }), silentLogger);
    try {
      const response = postGraphQL(gateway.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0007') });
      // The featured prices arrive while the cart request is still held by its hop.
      await pricing.nextArrival();
      assert.equal(slowCart.received.length, 1);
      const r = await response;
      assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
      assert.equal(pricing.received.length, 2, 'cart prices came later, alone');
      assert.equal(r.body.extensions?.['restCalls']?.['pricing GET /prices' as never], 2);
    } finally {
      await gateway.stop();
      await Promise.all([slowCart.close(), pricing.close()]);
    }
  });
});

describe('fetch merging: each part keeps its own deadline and failure handling', () => {
  it('an optional part merged with a critical one falls back at its own budget while the critical part waits for its answer', async () => {
    const slow = await hopBefore(system.subgraphs.pricing.url, 900);
    const budgets = { degradation: { optionalTimeoutMs: 300 }, healthCheckIntervalMs: 0 };
    const subgraphs = { ...system.subgraphs, pricing: { url: slow.url } };
    const [on, off] = await Promise.all([
      startGateway(gatewayConfigFor(subgraphs, budgets), silentLogger),
      startGateway(gatewayConfigFor(subgraphs, { ...budgets, subgraphFetchMerging: { enabled: false } }), silentLogger),
    ]);
    try {
      const token = await tokenFor('user-0005');
      const seen = slow.received.length;
      const r = await postGraphQL(on.url, { query: TOTALS_AND_PRICES }, { token });
      assert.equal(slow.received.length - seen, 1, 'totals and prices went as one pricing request');
      const data = r.body.data as { me: { cart: { totals: { total: { amountCents: number } } | null; items: { product: { price: unknown } }[] } } };
      assert.ok(data.me.cart.totals !== null && data.me.cart.totals.total.amountCents > 0, 'the critical part got its answer after 900 ms');
      assert.ok(data.me.cart.items.length > 0 && data.me.cart.items.every((i) => i.product.price === null), 'the optional part fell back at 300 ms');
      assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.price']);
      assert.deepEqual(answer(r), answer(await postGraphQL(off.url, { query: TOTALS_AND_PRICES }, { token })));
    } finally {
      await Promise.all([on.stop(), off.stop()]);
      await slow.close();
    }
  });

  it('a failed merged request fails every part with its own handling: optional prices fall back, critical totals fail naming pricing', async () => {
    await system.rest.pricing.close();
    const token = await tokenFor('user-0006');
    for (const query of [TOTALS_AND_PRICES, FRONT_PAGE]) {
      const r = await both(query, token);
      assert.deepEqual(answer(r.merged), answer(r.unmerged));
      assert.equal(r.merged.body.extensions?.['completed'], false);
    }
  });
});
