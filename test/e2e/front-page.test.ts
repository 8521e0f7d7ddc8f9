import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operation } from '../support/operations.ts';
import { startSystem, tokenFor, type System } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');
const ADD_TO_CART = operation('web', 'AddToCart');

/**
 * REST calls the front page costs, whatever the cart size: one per resource.
 * Apollo's query planner fetches Product.price once per path in the operation
 * (cart items, featured products); the gateway sends both fetches to the
 * pricing subgraph as one request (docs/subgraph-fetches.md), where one loader
 * batches every price of the page.
 */
const FRONT_PAGE_CALLS = {
  'cart GET /carts': 1,
  'catalog GET /products': 1,
  'catalog GET /products/featured': 1,
  'pricing GET /prices': 1,
  'promotions GET /promotions': 1,
  'user GET /users': 1,
};

interface FrontPageData {
  me: {
    id: string;
    name: string;
    cart: { itemCount: number; items: { quantity: number; product: { id: string; name: string; thumbnail: { url: string; width: number }; price: { effectivePrice: { formatted: string; amountCents: number } } | null; promotions: { label: string }[] } }[] };
  };
  featuredProducts: { id: string; name: string; price: { effectivePrice: { formatted: string } } | null }[];
}

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

describe('front page', () => {
  it('answers the signed-in user, their cart with product details, prices and promotions, and featured products', async () => {
    const response = await system.graphql({ query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    assert.equal(response.status, 200);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    const data = response.body.data as unknown as FrontPageData;
    assert.equal(data.me.id, 'user-0001');
    assert.ok(data.me.name.length > 0);
    assert.equal(data.me.cart.items.length, 20);
    for (const item of data.me.cart.items) {
      assert.match(item.product.id, /^prod-\d{5}$/);
      assert.ok(item.product.name.length > 0);
      assert.match(item.product.thumbnail.url, /thumbnail/);
      assert.ok(item.product.price!.effectivePrice.amountCents > 0);
      assert.match(item.product.price!.effectivePrice.formatted, /^\$[\d,]+\.\d\d$/);
      assert.ok(Array.isArray(item.product.promotions));
    }
    assert.equal(data.me.cart.itemCount, data.me.cart.items.reduce((sum, i) => sum + i.quantity, 0));
    assert.equal(data.featuredProducts.length, 12);
    assert.ok(data.featuredProducts.every((p) => p.price !== null && p.name.length > 0));
  });

  // The cold path: these count what a front page costs when nothing is cached
  // (the entity cache is on, as shipped; test/e2e/entity-cache.test.ts counts the warm one).
  it('makes one batched REST call per resource per fetch, and says so in extensions.restCalls', async () => {
    await system.purgeCache();
    system.resetCalls();
    const response = await system.graphql({ query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    assert.deepEqual(response.body.extensions?.['restCalls'], FRONT_PAGE_CALLS);
    // The REST services' own records agree, and show what each batch carried.
    const products = system.rest.catalog.calls.filter((c) => c.route === '/products');
    assert.equal(products.length, 1);
    assert.equal(new URL(products[0]!.url, 'http://x').searchParams.get('ids')!.split(',').length, 20);
    assert.equal(system.rest.promotions.calls.length, 1);
    assert.equal(system.rest.user.calls.length, 1);
    const data = response.body.data as unknown as FrontPageData;
    const priced = new Set([...data.me.cart.items.map((i) => i.product.id), ...data.featuredProducts.map((p) => p.id)]);
    const priceBatches = system.rest.pricing.calls.map((c) => new Set(new URL(c.url, 'http://x').searchParams.get('productIds')!.split(',')));
    assert.deepEqual(priceBatches, [priced]);
  });

  it('costs the same REST calls for a 50-item cart as for a 20-item one (no N+1)', async () => {
    const token = await tokenFor('user-0999');
    // Fill the cart to exactly 50 distinct items through the public mutation.
    const before = await system.graphql({ query: 'query { me { cart { items { product { id } } } } }' }, { token });
    const existing = new Set(((before.body.data as { me: { cart: { items: { product: { id: string } }[] } } }).me.cart.items).map((i) => i.product.id));
    for (let n = 1; existing.size < 50; n++) {
      const productId = `prod-${String(5000 + n).padStart(5, '0')}`;
      if (existing.has(productId)) continue;
      const added = await system.graphql({ query: ADD_TO_CART, variables: { productId, quantity: 1 } }, { token });
      assert.equal(added.body.errors, undefined, JSON.stringify(added.body.errors));
      existing.add(productId);
    }
    await system.purgeCache();
    system.resetCalls();
    const response = await system.graphql({ query: FRONT_PAGE }, { token });
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    assert.equal((response.body.data as unknown as FrontPageData).me.cart.items.length, 50);
    assert.deepEqual(response.body.extensions?.['restCalls'], FRONT_PAGE_CALLS);
    const batch = system.rest.catalog.calls.find((c) => c.route === '/products')!;
    assert.equal(new URL(batch.url, 'http://x').searchParams.get('ids')!.split(',').length, 50);
  });

  it('carries one request id from the gateway to every REST call of the request', async () => {
    await system.purgeCache();
    system.resetCalls();
    await system.graphql({ query: FRONT_PAGE }, { token: await tokenFor('user-0001'), headers: { 'x-request-id': 'trace-me-123' } });
    const all = Object.values(system.rest).flatMap((s) => s.calls);
    assert.equal(all.length, 6);
    assert.ok(all.every((c) => c.requestId === 'trace-me-123'), JSON.stringify(all.map((c) => c.requestId)));
  });

  it('does not share loader caches between requests (each request sees fresh data)', async () => {
    const token = await tokenFor('user-0002');
    const count = async () => ((await system.graphql({ query: 'query { me { cart { itemCount } } }' }, { token })).body.data as { me: { cart: { itemCount: number } } }).me.cart.itemCount;
    const first = await count();
    await system.graphql({ query: ADD_TO_CART, variables: { productId: 'prod-09999', quantity: 3 } }, { token });
    assert.equal(await count(), first + 3);
  });
});
