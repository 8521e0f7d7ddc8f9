import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway } from '../../gateway/server.ts';
import { logEvents } from '../support/log-events.ts';
import { operation } from '../support/operations.ts';
import { gatewayConfigFor, invalidateCache, postGraphQL, silentLogger, startSystem, TEST_CACHE_SECRET, tokenFor, type GraphQLResponse, type System } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');
const ADD_TO_CART = operation('web', 'AddToCart');
/** The cold front page: one batched REST call per resource (test/e2e/front-page.test.ts). */
const COLD_CALLS = { 'cart GET /carts': 1, 'catalog GET /products': 1, 'catalog GET /products/featured': 1, 'pricing GET /prices': 1, 'promotions GET /promotions': 1, 'user GET /users': 1 };
/** Warm: only what is private (the user and their cart) is fetched; products, prices, promotions and featured products come from cache. */
const WARM_CALLS = { 'cart GET /carts': 1, 'user GET /users': 1 };

interface FrontPage {
  me: { id: string; name: string; cart: { id: string; items: { quantity: number; product: { id: string } }[] } };
  featuredProducts: { id: string }[];
}

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

const frontPage = (user: string) => tokenFor(user).then((token) => system.graphql({ query: FRONT_PAGE }, { token }));
const restCalls = (r: GraphQLResponse) => r.body.extensions?.['restCalls'] as Record<string, number>;
const cacheExtension = (r: GraphQLResponse) => r.body.extensions?.['cache'] as { hits: number; misses: number; subgraphFetches: number };
const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const ids = (call: { url: string }, param: string) => new URL(call.url, 'http://x').searchParams.get(param)!.split(',').sort();
const metric = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(new URL('/metrics', system.gateway.url))).text())?.[1] ?? 0);

describe('entity cache on the storefront (memory)', () => {
  it('a warm front page skips every cached subgraph fetch and REST call, and answers the same', async () => {
    await system.purgeCache();
    const cold = await frontPage('user-0001');
    assert.equal(cold.body.errors, undefined, JSON.stringify(cold.body.errors));
    assert.deepEqual(restCalls(cold), COLD_CALLS);
    assert.equal(cacheExtension(cold).subgraphFetches, 7, 'plan fetches passed on (the two price fetches then go out as one HTTP request)');
    const warm = await frontPage('user-0001');
    assert.deepEqual(restCalls(warm), WARM_CALLS);
    assert.equal(cacheExtension(warm).subgraphFetches, 2, 'user (me) and cart (me.cart): private, always fetched');
    assert.equal(cacheExtension(warm).misses, 0);
    assert.deepEqual(warm.body.data, cold.body.data);
    assert.ok(total(restCalls(warm)) * 2 <= total(restCalls(cold)), 'at most half the REST calls of a cold one');
  });

  it('fetches only the products of a cart it does not hold yet, in one batch per subgraph', async () => {
    const user = 'user-0003';
    const token = await tokenFor(user);
    const before = (await frontPage(user)).body.data as unknown as FrontPage;
    const inCart = new Set(before.me.cart.items.map((i) => i.product.id));
    const added = ['prod-09001', 'prod-09002', 'prod-09003', 'prod-09004'].filter((id) => !inCart.has(id)).slice(0, 2);
    assert.equal(added.length, 2);
    for (const productId of added) assert.equal((await system.graphql({ query: ADD_TO_CART, variables: { productId } }, { token })).body.errors, undefined);
    system.resetCalls();
    const after = await frontPage(user);
    assert.equal((after.body.data as unknown as FrontPage).me.cart.items.length, inCart.size + 2);
    const sorted = [...added].sort();
    assert.deepEqual(system.rest.catalog.calls.map((c) => ids(c, 'ids')), [sorted], 'catalog: only the two new products');
    assert.deepEqual(system.rest.pricing.calls.map((c) => ids(c, 'productIds')), [sorted], 'pricing: only their prices; featured prices are cached');
    assert.deepEqual(system.rest.promotions.calls.map((c) => ids(c, 'productIds')), [sorted]);
  });

  it('never serves one user\'s private data to another, even for the same products in their carts', async () => {
    const [a, b] = ['user-0001', 'user-0002'];
    const shared = ((await frontPage(a)).body.data as unknown as FrontPage).me.cart.items[0]!.product.id;
    await system.graphql({ query: ADD_TO_CART, variables: { productId: shared, quantity: 2 } }, { token: await tokenFor(b) });
    for (const user of [a, b, a, b]) {
      const page = (await frontPage(user)).body.data as unknown as FrontPage;
      assert.equal(page.me.id, user);
      assert.equal(page.me.cart.id, `cart-${user}`);
      assert.ok(page.me.cart.items.some((i) => i.product.id === shared));
    }
    const usersAsked = system.rest.user.calls.slice(-4).map((c) => c.url);
    assert.deepEqual(usersAsked.map((u) => u.includes(a) ? a : u.includes(b) ? b : u), [a, b, a, b], 'each user was fetched for themself, every time');
  });

  it('never caches a mutation, and invalidates what it changed', async () => {
    const token = await tokenFor('user-0004');
    const invalidated = () => metric(/storefront_gateway_entity_cache_invalidations_total\{[^}]*source="mutation",outcome="ok"[^}]*\} (\d+)/);
    const before = await invalidated();
    system.resetCalls();
    const first = await system.graphql({ query: ADD_TO_CART, variables: { productId: 'prod-00123', quantity: 1 } }, { token });
    const second = await system.graphql({ query: ADD_TO_CART, variables: { productId: 'prod-00123', quantity: 1 } }, { token });
    const quantity = (r: GraphQLResponse) => (r.body.data as { addToCart: { items: { quantity: number; product: { id: string } }[] } }).addToCart.items.find((i) => i.product.id === 'prod-00123')!.quantity;
    assert.equal(quantity(second), quantity(first) + 1);
    assert.equal(system.rest.cart.calls.filter((c) => c.method !== 'GET').length, 2, 'both writes reached the cart service');
    assert.equal((await invalidated()) - before, 2, 'each purged the cart it returned (cart:cart-user-0004)');
    const page = (await frontPage('user-0004')).body.data as unknown as FrontPage;
    assert.equal(page.me.cart.items.find((i) => i.product.id === 'prod-00123')!.quantity, quantity(second));
  });

  it('says in the request log whether the cache answered', async () => {
    const logs = logEvents();
    const gateway = await startGateway(gatewayConfigFor(system.subgraphs), logs.logger);
    try {
      const token = await tokenFor('user-0005');
      const statuses: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        const line = logs.next('graphql request');
        await postGraphQL(gateway.url, { query: FRONT_PAGE }, { token });
        statuses.push((await line)['cache']);
      }
      for (let i = 0; i < 2; i++) {
        const line = logs.next('graphql request');
        await postGraphQL(gateway.url, { query: '{ me { id } }' }, { token });
        statuses.push((await line)['cache']);
      }
      // A fetch never seen is looked up once; once its answer said private, it is not.
      assert.deepEqual(statuses, ['miss', 'hit', 'miss', 'none']);
    } finally {
      await gateway.stop();
    }
  });

  it('counts hits and misses per subgraph and type in /metrics', async () => {
    await frontPage('user-0001');
    assert.ok((await metric(/storefront_gateway_entity_cache_requests_total\{[^}]*subgraph="pricing",type="Product",result="hit"[^}]*\} (\d+)/)) > 0);
    assert.ok((await metric(/storefront_gateway_entity_cache_requests_total\{[^}]*subgraph="catalog",type="Query",result="miss"[^}]*\} (\d+)/)) > 0);
    assert.equal(await metric(/storefront_gateway_entity_cache_shared\{[^}]*\} (\d+)/), 0, 'in memory: not shared');
  });
});

describe('cache invalidation endpoint', () => {
  it('purges by type and key: only that product is fetched again', async () => {
    const featured = ((await system.graphql({ query: '{ featuredProducts { id price { effectivePrice { formatted } } } }' })).body.data as { featuredProducts: { id: string }[] }).featuredProducts;
    const target = featured[3]!.id;
    const purged = await invalidateCache(system.gateway.url, { type: 'Product', keys: [target] });
    assert.equal(purged.status, 200);
    assert.deepEqual(purged.body['tags'], [`product:${target}`]);
    assert.ok((purged.body['purged'] as number) >= 2, 'its price and the featured list holding it');
    system.resetCalls();
    await system.graphql({ query: '{ featuredProducts { id price { effectivePrice { formatted } } } }' });
    assert.equal(system.rest.catalog.calls.length, 1, 'the featured list held it: fetched again');
    assert.deepEqual(system.rest.pricing.calls.map((c) => ids(c, 'productIds')), [[target]], 'the other prices are still cached');
  });

  it('refuses a purge without the secret or with a wrong one (401), and a malformed one (400)', async () => {
    for (const secret of [null, 'wrong', `${TEST_CACHE_SECRET}x`, '']) {
      const refused = await invalidateCache(system.gateway.url, { tags: ['product'] }, secret);
      assert.equal(refused.status, 401, String(secret));
      assert.equal((refused.body['errors'] as { extensions: { code: string } }[])[0]!.extensions.code, 'UNAUTHENTICATED');
    }
    const tooMany = { tags: Array.from({ length: 1001 }, (_, i) => `product:${i}`) };
    const tooLong = { tags: ['x'.repeat(257)] };
    for (const body of [{}, { tags: [] }, { tags: ['a b'] }, { tags: ['a,b'] }, { tags: ['a\nb'] }, { tags: [42] }, tooMany, tooLong, { type: 'Product', tags: ['x'] }, { keys: ['x'] }, { type: 'not a type!' }, { tags: ['x'], extra: 1 }, '{"tags":', '[]', 'null']) {
      const refused = await invalidateCache(system.gateway.url, body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal((refused.body['errors'] as { extensions: { code: string } }[])[0]!.extensions.code, 'BAD_REQUEST');
    }
  });

  it('refuses a body over the gateway\'s size limit (413) before reading it as JSON', async () => {
    const refused = await invalidateCache(system.gateway.url, { tags: ['x'], pad: 'p'.repeat(2 * 1024 * 1024) });
    assert.equal(refused.status, 413);
    assert.equal((refused.body['errors'] as { extensions: { code: string } }[])[0]!.extensions.code, 'PAYLOAD_TOO_LARGE');
  });

  it('does not exist without a configured secret: no anonymous purge', async () => {
    const gateway = await startGateway(gatewayConfigFor(system.subgraphs, { entityCache: {} }), silentLogger);
    try {
      assert.equal((await invalidateCache(gateway.url, { tags: ['product'] })).status, 404);
    } finally {
      await gateway.stop();
    }
  });
});

describe('Cache-Tag', () => {
  it('lists the tags of a public GET response, so a CDN can purge it by the same tags', async () => {
    const url = `${system.gateway.url}?${new URLSearchParams({ query: '{ featuredProducts { id name } }' })}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    const body = (await response.json()) as { data: { featuredProducts: { id: string }[] } };
    assert.match(response.headers.get('cache-control') ?? '', /public/);
    const tags = (response.headers.get('cache-tag') ?? '').split(',');
    for (const tag of ['query:featuredProducts', 'product', `product:${body.data.featuredProducts[0]!.id}`, 'subgraph:catalog']) assert.ok(tags.includes(tag), `${tag} in ${tags.join(',')}`);
    const post = await system.graphql({ query: '{ featuredProducts { id name } }' });
    assert.equal(post.headers.get('cache-tag'), null, 'only GET responses are CDN-cacheable');
  });

  it('is absent from a private response', async () => {
    const url = `${system.gateway.url}?${new URLSearchParams({ query: '{ me { id } featuredProducts { id } }' })}`;
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${await tokenFor('user-0001')}` } });
    assert.doesNotMatch(response.headers.get('cache-control') ?? '', /public/);
    assert.equal(response.headers.get('cache-tag'), null);
  });
});

// Last: it stops a subgraph of this file's system.
describe('while a subgraph is down', () => {
  it('what is cached is still served, complete, until it expires; what is not falls back as before', async () => {
    const query = '{ featuredProducts { id price { effectivePrice { formatted } } } }';
    const warm = await system.graphql({ query });
    const token = await tokenFor('user-0006');
    await frontPage('user-0006');
    const added = 'prod-09500';
    await system.graphql({ query: ADD_TO_CART, variables: { productId: added } }, { token });
    await system.subgraphs.pricing.stop();
    const during = await system.graphql({ query });
    assert.deepEqual(during.body.data, warm.body.data, 'prices from cache');
    assert.equal(during.headers.get('x-storefront-completed'), 'true');
    // One entity fetch, some cached, one not: the cached ones are served, only the other falls back.
    const page = await frontPage('user-0006');
    const items = (page.body.data as unknown as { me: { cart: { items: { product: { id: string; price: unknown } }[] } } }).me.cart.items;
    assert.ok(items.length > 1);
    for (const { product } of items) assert.equal(product.price === null, product.id === added, `${product.id}: ${JSON.stringify(product.price)}`);
    assert.equal(page.headers.get('x-storefront-completed'), 'false');
    const uncached = await system.graphql({ query: '{ product(id: "prod-00077") { price { listPrice { formatted } } } }' });
    assert.equal((uncached.body.data as { product: { price: unknown } }).product.price, null, 'not cached: the price fallback');
    assert.equal(uncached.headers.get('x-storefront-completed'), 'false');
  });
});
