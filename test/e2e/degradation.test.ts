import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseSubgraphConfig } from '../../subgraphs/shared/config.ts';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { SUBGRAPHS } from '../../subgraphs/registry.ts';
import { deadUrl, startFaultyUpstream } from '../support/faulty-upstream.ts';
import { useSharedGraph } from '../support/graph.ts';
import { operation } from '../support/operations.ts';
import { postGraphQL, silentLogger, tokenFor, type GraphQLResponse } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');
const graph = useSharedGraph();
const closers: (() => Promise<void>)[] = [];
after(() => Promise.all(closers.map((c) => c())));

interface Product {
  id: string;
  name: string;
  thumbnail: { url: string; width: number; height: number };
  price: unknown;
  promotions?: unknown[];
}
interface FrontPage {
  me: { name: string; cart: { itemCount: number; items: { quantity: number; product: Product }[] } } | null;
  featuredProducts: Product[];
}

/** The front page through a gateway whose `name` subgraph is replaced by `url`. */
async function frontPageWith(name: string, url: string, overrides: Record<string, unknown> = {}): Promise<GraphQLResponse> {
  const subgraphUrls = { ...Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])), [name]: url };
  const g = await graph.gateway({ subgraphUrls, ...overrides });
  return postGraphQL(g.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
}

function assertCoreIntact(r: GraphQLResponse): FrontPage {
  assert.equal(r.status, 200);
  const data = r.body.data as unknown as FrontPage;
  assert.ok(data.me, `me is present: ${JSON.stringify(r.body.errors)}`);
  assert.ok(data.me.name.length > 0);
  assert.equal(data.me.cart.items.length, 20);
  assert.ok(data.me.cart.items.every((i) => i.quantity > 0 && i.product.id.length > 0));
  return data;
}

describe('optional data at the gateway: a failed subgraph fetch gets its fallback, the page keeps its core', () => {
  it('promotions subgraph unreachable: the user and every cart line stay, promotions are [] and the response says so, without an error', async () => {
    const r = await frontPageWith('promotions', await deadUrl());
    const data = assertCoreIntact(r);
    assert.ok(data.me!.cart.items.every((i) => Array.isArray(i.product.promotions) && i.product.promotions.length === 0));
    assert.ok(data.me!.cart.items.every((i) => i.product.price !== null), 'prices come from pricing, which is up');
    assert.equal(r.body.errors, undefined, 'a fallback is not an error');
    assert.equal(r.headers.get('x-storefront-completed'), 'false');
    assert.deepEqual(r.body.extensions?.['failedServices'], ['promotions']);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.promotions']);
  });

  it('catalog subgraph answering HTTP 500: cart lines keep quantity and product id with the placeholder name and picture; featured products are []', async () => {
    const faulty = await startFaultyUpstream('http-500');
    closers.push(faulty.close);
    const r = await frontPageWith('catalog', faulty.url);
    const data = assertCoreIntact(r);
    for (const { product } of data.me!.cart.items) {
      assert.equal(product.name, '');
      assert.deepEqual(product.thumbnail, { url: '/static/placeholder-thumbnail.svg', width: 96, height: 96 });
    }
    assert.deepEqual(data.featuredProducts, []);
    assert.ok(faulty.requests() >= 2, 'the gateway did ask the catalog');
    assert.equal(r.body.errors, undefined);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.name', 'Product.thumbnail', 'Query.featuredProducts']);
    assert.deepEqual(r.body.extensions?.['failedServices'], ['catalog']);
    assert.doesNotMatch(JSON.stringify(r.body), /srv\/app|127\.0\.0\.1/, 'no upstream body or address reaches the client');
  });

  it('pricing subgraph answering something that is not GraphQL: prices are null (their fallback), marked, no error', async () => {
    const faulty = await startFaultyUpstream('malformed');
    closers.push(faulty.close);
    const r = await frontPageWith('pricing', faulty.url);
    const data = assertCoreIntact(r);
    assert.ok(data.me!.cart.items.every((i) => i.product.price === null));
    assert.ok(data.featuredProducts.length === 12 && data.featuredProducts.every((p) => p.price === null && p.name.length > 0));
    assert.equal(r.body.errors, undefined);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.price']);
  });

  it('catalog REST service down behind a healthy catalog subgraph: the same fallbacks, named after the REST service', async () => {
    const catalog: RunningSubgraph = await startSubgraph(SUBGRAPHS.catalog, parseSubgraphConfig({ subgraph: 'catalog', port: 0, restUrl: (await deadUrl()).replace('/graphql', ''), logLevel: 'silent' }), silentLogger);
    closers.push(() => catalog.stop());
    const r = await frontPageWith('catalog', catalog.url);
    const data = assertCoreIntact(r);
    assert.ok(data.me!.cart.items.every((i) => i.product.name === ''));
    assert.deepEqual(data.featuredProducts, []);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.equal(r.body.extensions?.['completed'], false);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.name', 'Product.thumbnail', 'Query.featuredProducts']);
  });
});

describe('critical data fails as before, naming the subgraph', () => {
  it('user subgraph unreachable: me is null with SUBGRAPH_UNAVAILABLE naming user; the optional panels still render', async () => {
    const r = await frontPageWith('user', await deadUrl());
    assert.equal(r.status, 200);
    const data = r.body.data as unknown as FrontPage;
    assert.equal(data.me, null);
    assert.equal(data.featuredProducts.length, 12);
    assert.deepEqual(r.body.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['serviceName']]), [['SUBGRAPH_UNAVAILABLE', 'user']]);
    assert.deepEqual(r.body.extensions?.['failedServices'], ['user']);
  });

  it('cart subgraph unreachable: me is null (a user without their cart is not the front page), the error names cart', async () => {
    const r = await frontPageWith('cart', await deadUrl());
    const data = r.body.data as unknown as FrontPage;
    assert.equal(data.me, null);
    assert.ok(r.body.errors?.some((e) => e.extensions?.['serviceName'] === 'cart'));
    assert.ok(!r.body.errors?.some((e) => e.extensions?.['serviceName'] !== 'cart'));
  });

  it('with no optional fields declared, an optional subgraph failing nulls its parents as Apollo Gateway does', async () => {
    const r = await frontPageWith('promotions', await deadUrl(), { degradation: { optionalFields: {} } });
    const data = r.body.data as unknown as FrontPage;
    assert.equal(data.me, null, 'Product.promotions is non-null: its failure bubbles up to me');
    assert.ok(r.body.errors?.some((e) => e.extensions?.['serviceName'] === 'promotions'));
  });

  it('refuses to start with an optional field the supergraph does not have, or a fallback that does not fit its type', async () => {
    await assert.rejects(graph.gateway({ degradation: { optionalFields: { 'Product.promotion': { fallback: [] } } } }), /Product\.promotion is not a field of the supergraph/);
    await assert.rejects(graph.gateway({ degradation: { optionalFields: { 'Product.promotions': { fallback: null } } } }), /fallback null is null on a non-null field/);
  });
});
