import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useSharedGraph } from '../support/graph.ts';
import { startSlowProxy } from '../support/slow-proxy.ts';
import { postGraphQL } from '../support/system.ts';

const graph = useSharedGraph();
const proxies: { close: () => Promise<void> }[] = [];
after(() => Promise.all(proxies.map((p) => p.close())));

/** A subgraph behind a hop that holds every request for `delayMs`: a slow dependency, for real. */
async function slow(name: 'pricing' | 'catalog', delayMs: number): Promise<string> {
  const proxy = await startSlowProxy(graph.subgraphs[name].url.replace('/graphql', ''), delayMs);
  proxies.push(proxy);
  return `${proxy.url}/graphql`;
}

const QUERY = '{ featuredProducts { name price { onSale } } }';
// Prices and featured products as critical data: these tests read the timeout errors a fallback would replace.
const ALL_CRITICAL = { degradation: { optionalFields: {} } };

describe('timeouts', () => {
  it('a subgraph slower than its own timeout costs only its fields: SUBGRAPH_TIMEOUT naming it, within the bound', async () => {
    const subgraphUrls = { ...Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])), pricing: await slow('pricing', 3000) };
    const g = await graph.gateway({ subgraphUrls, subgraphTimeoutsMs: { pricing: 300 }, ...ALL_CRITICAL });
    const started = Date.now();
    const r = await postGraphQL(g.url, { query: QUERY });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2500, `answered after ${elapsed} ms; the slow hop holds 3000 ms`);
    const products = r.body.data?.['featuredProducts'] as { name: string; price: unknown }[];
    assert.equal(products.length, 12);
    assert.ok(products.every((p) => p.name.length > 0 && p.price === null));
    assert.deepEqual(r.body.errors?.[0]?.extensions, { code: 'SUBGRAPH_TIMEOUT', serviceName: 'pricing', timeoutMs: 300 });
    assert.equal(r.headers.get('x-storefront-completed'), 'false');
  });

  it('the overall request deadline abandons whatever is still running: GATEWAY_TIMEOUT, within the bound', async () => {
    const subgraphUrls = { ...Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])), catalog: await slow('catalog', 3000) };
    const g = await graph.gateway({ subgraphUrls, requestTimeoutMs: 400, ...ALL_CRITICAL });
    const started = Date.now();
    const r = await postGraphQL(g.url, { query: QUERY });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2500, `answered after ${elapsed} ms; the slow hop holds 3000 ms`);
    assert.equal(r.status, 200);
    assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'GATEWAY_TIMEOUT');
    assert.equal(r.body.errors?.[0]?.extensions?.['serviceName'], 'catalog');
  });

  it('refuses a per-subgraph timeout for a subgraph the supergraph does not have', async () => {
    await assert.rejects(graph.gateway({ subgraphTimeoutsMs: { pricng: 100 } }), /subgraphTimeoutsMs names unknown subgraph\(s\) pricng/);
  });
});
