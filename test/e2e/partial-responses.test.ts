import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { operation } from '../support/operations.ts';
import { startSystem, tokenFor, type System } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');

interface Product {
  name: string;
  price: { effectivePrice: { formatted: string } } | null;
  promotions?: unknown[];
}
interface FrontPage {
  me: { name: string; cart: { items: { product: Product }[] } };
  featuredProducts: Product[];
}

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

describe('partial responses that say they are partial', () => {
  it('a complete response says so in the x-storefront-completed header', async () => {
    const r = await system.graphql({ query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    assert.equal(r.headers.get('x-storefront-completed'), 'true');
    assert.equal(r.body.extensions?.['completed'], undefined);
  });

  // Each fault meets a cold entity cache: a warm one would answer the failed
  // service's data from cache (test/e2e/entity-cache.test.ts); these test the fallbacks.
  it('promotions REST service down: the front page keeps every other panel, promotions fall back to [], and the response says it is incomplete', async () => {
    await system.rest.promotions.close();
    await system.purgeCache();
    const r = await system.graphql({ query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    assert.equal(r.status, 200);
    assert.equal(r.body.errors, undefined, 'a fallback is not an error');
    const data = r.body.data as unknown as FrontPage;
    assert.ok(data.me.name.length > 0);
    assert.equal(data.me.cart.items.length, 20);
    for (const { product } of data.me.cart.items) {
      assert.ok(product.name.length > 0);
      assert.ok(product.price !== null, 'prices come from another service and are intact');
      assert.deepEqual(product.promotions, []);
    }
    assert.equal(data.featuredProducts.length, 12);
    assert.equal(r.headers.get('x-storefront-completed'), 'false');
    assert.equal(r.body.extensions?.['completed'], false);
    assert.deepEqual(r.body.extensions?.['failedServices'], ['promotions']);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.promotions']);
  });

  it('pricing subgraph down: prices are null (their gateway fallback), names and thumbnails stay, and the response says which service failed', async () => {
    await system.subgraphs.pricing.stop();
    await system.purgeCache();
    const r = await system.graphql({ query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    assert.equal(r.status, 200);
    const data = r.body.data as unknown as FrontPage;
    assert.equal(data.featuredProducts.length, 12);
    assert.ok(data.featuredProducts.every((p) => p.name.length > 0 && p.price === null));
    assert.equal(r.body.errors, undefined, 'Product.price is optional: a fallback, not an error');
    assert.equal(r.headers.get('x-storefront-completed'), 'false');
    assert.deepEqual(r.body.extensions?.['failedServices'], ['pricing', 'promotions']);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.price', 'Product.promotions']);
  });

  it('a refusal is not a partial response: it carries no completeness extension', async () => {
    const r = await system.graphql({ query: '{ featuredProducts { nope } }' });
    assert.equal(r.status, 400);
    assert.equal(r.body.extensions?.['completed'], undefined);
  });
});
