import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manifestOperation } from '../support/manifests.ts';
import { operation } from '../support/operations.ts';
import { hashOperation } from '../../gateway/admission/persisted-queries/manifest.ts';
import { metricValue } from '../support/metrics.ts';
import { startSystem, tokenFor, type System } from '../support/system.ts';

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());

const scrape = async () => (await fetch(system.gateway.url.replace('/graphql', '/metrics'))).text();

describe('gateway metrics', () => {
  it('counts requests and latency per operation with bounded labels, and errors by code', async () => {
    const frontPage = manifestOperation('web', 'FrontPage');
    const token = await tokenFor('user-0001');
    for (let i = 0; i < 3; i++) await system.graphql({ documentId: `sha256:${frontPage.id}` } as never, { token });
    await system.graphql({ query: 'query MadeUpName { featuredProducts { id } }' });
    await system.graphql({ query: '{ me { id } }' });
    await system.graphql({ query: '{ nope }' });
    const text = await scrape();
    assert.match(text, /storefront_gateway_requests_total\{operation="FrontPage",outcome="ok",profile="web"\} 3/);
    assert.match(text, /storefront_gateway_requests_total\{operation="unlisted",outcome="ok",profile="web"\} 1/, 'a client-chosen name is not a label');
    assert.doesNotMatch(text, /MadeUpName/);
    assert.match(text, /storefront_gateway_request_duration_seconds_count\{profile="web",operation="FrontPage",outcome="ok"\} 3/);
    assert.match(text, /storefront_gateway_errors_total\{code="UNAUTHENTICATED",profile="web"\} 1/);
    assert.match(text, /storefront_gateway_errors_total\{code="GRAPHQL_VALIDATION_FAILED",profile="web"\} 1/);
    assert.match(text, /storefront_gateway_persisted_queries_total\{outcome="manifest",profile="web"\} 3/);
  });

  it('counts refusals made before execution', async () => {
    await system.graphql({ query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: featuredProducts { id }`).join(' ')} }` });
    const text = await scrape();
    assert.match(text, /storefront_gateway_errors_total\{code="MAX_ALIASES_LIMIT",profile="web"\} 1/);
    assert.match(text, /storefront_gateway_requests_total\{operation="unlisted",outcome="refused",profile="web"\} 1/);
  });
});

describe('subgraph metrics', () => {
  it('count REST calls per upstream route and outcome, their latency, DataLoader batch sizes and the breaker state', async () => {
    await system.graphql({ query: operation('web', 'FrontPage') } as never, { token: await tokenFor('user-0001') });
    const text = await (await fetch(system.subgraphs.catalog.url.replace('/graphql', '/metrics'))).text();
    assert.ok((metricValue(text, 'storefront_subgraph_rest_calls_total', { upstream: 'catalog', method: 'GET', route: '/products', outcome: 'ok' }) ?? 0) >= 1);
    assert.ok((metricValue(text, 'storefront_subgraph_rest_call_duration_seconds_count', { upstream: 'catalog', route: '/products' }) ?? 0) >= 1);
    // The cart of user-0001 holds 20 products: one batch of 20 keys.
    assert.ok((metricValue(text, 'storefront_subgraph_dataloader_batch_size_bucket', { upstream: 'catalog', route: '/products', le: '20' }) ?? 0) >= 1);
    assert.equal(metricValue(text, 'storefront_subgraph_rest_breaker_state', { upstream: 'catalog' }), 0);
  });
});

describe('cache metrics', () => {
  const CACHES = ['document', 'apq', 'query_plan'] as const;
  async function gatewayCaches() {
    const text = await scrape();
    const count = (cache: string, result: string) => metricValue(text, 'storefront_gateway_cache_requests_total', { cache, result }) ?? NaN;
    return Object.fromEntries(CACHES.map((cache) => [cache, { hit: count(cache, 'hit'), miss: count(cache, 'miss') }]));
  }
  const delta = (before: Record<string, { hit: number; miss: number }>, after: Record<string, { hit: number; miss: number }>) =>
    Object.fromEntries(Object.keys(after).map((k) => [k, { hit: after[k]!.hit - before[k]!.hit, miss: after[k]!.miss - before[k]!.miss }]));

  it('count gateway cache hits and misses: the same document twice, then an APQ miss, registration and hit', async () => {
    const before = await gatewayCaches();
    const freeform = '{ cacheProbe: featuredProducts { id } }';
    for (let i = 0; i < 2; i++) assert.equal((await system.graphql({ query: freeform })).body.errors, undefined);

    const query = '{ apqProbe: featuredProducts { id name } }';
    const persistedQuery = { version: 1, sha256Hash: hashOperation(query) };
    assert.equal((await system.graphql({ extensions: { persistedQuery } })).body.errors?.[0]?.extensions?.['code'], 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal((await system.graphql({ query, extensions: { persistedQuery } })).body.errors, undefined);
    assert.equal((await system.graphql({ extensions: { persistedQuery } })).body.errors, undefined);

    assert.deepEqual(delta(before, await gatewayCaches()), {
      // Each document is analysed once and planned once; the request refused as not found reaches neither.
      document: { miss: 2, hit: 2 },
      apq: { miss: 1, hit: 1 },
      query_plan: { miss: 2, hit: 2 },
    });
  });

  it('count DataLoader loads answered from the per-request cache: the same product twice in one request is one hit', async () => {
    const metricsUrl = system.subgraphs.catalog.url.replace('/graphql', '/metrics');
    const loads = async () => {
      const text = await (await fetch(metricsUrl)).text();
      const count = (result: string) => metricValue(text, 'storefront_subgraph_dataloader_cache_requests_total', { upstream: 'catalog', route: '/products', result }) ?? 0;
      return { hit: count('hit'), miss: count('miss') };
    };
    const before = await loads();
    system.resetCalls();
    const r = await system.graphql({ query: '{ a: product(id: "prod-00007") { name } b: product(id: "prod-00007") { name } }' });
    assert.equal(r.body.errors, undefined);
    assert.equal((r.body.extensions?.['restCalls'] as Record<string, number>)['catalog GET /products'], 1);
    const after = await loads();
    assert.deepEqual({ hit: after.hit - before.hit, miss: after.miss - before.miss }, { hit: 1, miss: 1 });
  });
});
