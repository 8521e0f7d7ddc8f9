import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { useSharedGraph } from '../support/graph.ts';
import { metricValue } from '../support/metrics.ts';
import { postGraphQL } from '../support/system.ts';

const graph = useSharedGraph();
let broken: Server | undefined;
after(() => new Promise<void>((resolve) => (broken ? broken.close(() => resolve()) : resolve())));

/** A "pricing subgraph" that answers 503 to everything, and counts what reaches it. */
async function failingSubgraph(): Promise<{ url: string; received: () => number }> {
  let received = 0;
  broken = createServer((_req, res) => {
    received++;
    res.writeHead(503).end('overloaded');
  });
  await new Promise<void>((resolve) => broken!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(broken.address() as AddressInfo).port}/graphql`, received: () => received };
}

describe('circuit breaker per subgraph', () => {
  it('opens after repeated failures: fetches fail fast with SUBGRAPH_CIRCUIT_OPEN, the subgraph gets no more calls, the page keeps its other fields', async () => {
    const pricing = await failingSubgraph();
    const subgraphUrls = { ...Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])), pricing: pricing.url };
    const g = await graph.gateway({ subgraphUrls, healthCheckIntervalMs: 0,
      // Prices as critical data here, so the breaker's own errors show (with a fallback they would not: test/e2e/degradation.test.ts).
      degradation: { optionalFields: {} },
      subgraphBreaker: { volumeThreshold: 3, failureThresholdPercent: 50, cooldownMs: 60_000 } });
    const query = '{ featuredProducts { name price { onSale } } }';
    for (let i = 0; i < 3; i++) {
      const r = await postGraphQL(g.url, { query });
      assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'SUBGRAPH_UNAVAILABLE');
    }
    const reached = pricing.received();
    const r = await postGraphQL(g.url, { query });
    assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'SUBGRAPH_CIRCUIT_OPEN');
    assert.equal(r.body.errors?.[0]?.extensions?.['serviceName'], 'pricing');
    assert.equal(pricing.received(), reached, 'an open breaker does not touch the network');
    assert.ok((r.body.data?.['featuredProducts'] as { name: string }[]).every((p) => p.name.length > 0));
    assert.equal(r.headers.get('x-storefront-completed'), 'false');

    const metrics = await (await fetch(g.url.replace('/graphql', '/metrics'))).text();
    assert.equal(metricValue(metrics, 'storefront_gateway_subgraph_breaker_state', { subgraph: 'pricing' }), 2);
    assert.equal(metricValue(metrics, 'storefront_gateway_subgraph_breaker_state', { subgraph: 'catalog' }), 0);
    assert.equal(metricValue(metrics, 'storefront_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'pricing', outcome: 'SUBGRAPH_CIRCUIT_OPEN' }), 1);
    // Fetches sent to the subgraph: the first; the entity cache answered featuredProducts the other three times.
    assert.equal(metricValue(metrics, 'storefront_gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'catalog', outcome: 'ok' }), 1);
  });
});

