import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manifestOperation } from '../support/manifests.ts';
import { operation } from '../support/operations.ts';
import { metricValue } from '../support/metrics.ts';
import { startSystem, tokenFor, type System } from '../support/system.ts';

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system.stop());

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
