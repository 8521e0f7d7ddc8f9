import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseSubgraphConfig } from '../../subgraphs/shared/config.ts';
import { startSubgraph } from '../../subgraphs/shared/server.ts';
import { SUBGRAPHS } from '../../subgraphs/registry.ts';
import { startFaultyUpstream } from '../support/faulty-upstream.ts';
import { useSharedGraph } from '../support/graph.ts';
import { operation } from '../support/operations.ts';
import { startSlowProxy } from '../support/slow-proxy.ts';
import { postGraphQL, silentLogger, tokenFor, type GraphQLResponse } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');
const graph = useSharedGraph();
const closers: (() => Promise<void>)[] = [];
after(() => Promise.all(closers.map((c) => c())));

/** The budgets under test, stated here rather than inherited from the test helpers' relaxed default. */
const BUDGETS = { optionalTimeoutMs: 300 };
/** Scheduling noise of a shared 2-core machine running other test files at the same time. */
const SLACK_MS = 250;

const urlsWith = (name: string, url: string) => ({ ...Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])), [name]: url });

async function timed(url: string, userId = 'user-0001'): Promise<{ r: GraphQLResponse; ms: number }> {
  const token = await tokenFor(userId);
  const started = performance.now();
  const r = await postGraphQL(url, { query: FRONT_PAGE }, { token });
  return { r, ms: performance.now() - started };
}

/** Median front-page latency of a warm gateway. */
async function healthyMs(url: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) samples.push((await timed(url, `user-000${i + 2}`)).ms);
  return samples.sort((a, b) => a - b)[2]!;
}

interface FrontPage {
  me: { name: string; cart: { items: { product: { promotions: unknown[] } }[] } } | null;
}

describe('time budgets per dependency', () => {
  it('a hung optional subgraph adds at most its budget: the page goes out with its fallback instead of waiting', async () => {
    const hung = await startFaultyUpstream('hang');
    closers.push(hung.close);
    const healthy = await graph.gateway({ degradation: BUDGETS });
    const baseline = await healthyMs(healthy.url);
    const g = await graph.gateway({ subgraphUrls: urlsWith('promotions', hung.url), degradation: BUDGETS, healthCheckIntervalMs: 0 });
    const { r, ms } = await timed(g.url);
    assert.ok(ms <= baseline + 300 + SLACK_MS, `answered in ${ms.toFixed(0)} ms; healthy ${baseline.toFixed(0)} ms + 300 ms budget`);
    assert.ok(hung.requests() >= 1, 'the hung subgraph was asked');
    const data = r.body.data as unknown as FrontPage;
    assert.ok(data.me && data.me.name.length > 0 && data.me.cart.items.length === 20);
    assert.ok(data.me.cart.items.every((i) => i.product.promotions.length === 0));
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.promotions']);
    assert.equal(r.body.errors, undefined);
  });

  it('a field group\'s budget overrides the default, and the subgraph is told that deadline', async () => {
    const proxy = await startSlowProxy(graph.subgraphs.promotions.url.replace('/graphql', ''), 2000);
    closers.push(proxy.close);
    const g = await graph.gateway({ subgraphUrls: urlsWith('promotions', `${proxy.url}/graphql`), degradation: { ...BUDGETS, groupTimeoutsMs: { promotions: 120 } }, healthCheckIntervalMs: 0 });
    const { r } = await timed(g.url);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.promotions']);
    const sent = Number(proxy.received[0]?.headers['x-storefront-deadline-ms']);
    assert.ok(sent > 60 && sent <= 120, `x-storefront-deadline-ms: ${sent}`);
  });

  it('a hung REST service behind an optional subgraph: no retry past the budget, one attempt per fetch', async () => {
    const proxy = await startSlowProxy(graph.rest.pricing.url, 5000);
    closers.push(proxy.close);
    const pricing = await startSubgraph(SUBGRAPHS.pricing, parseSubgraphConfig({ subgraph: 'pricing', port: 0, restUrl: proxy.url, logLevel: 'silent' }), silentLogger);
    closers.push(() => pricing.stop());
    const g = await graph.gateway({ subgraphUrls: urlsWith('pricing', pricing.url), degradation: BUDGETS, healthCheckIntervalMs: 0 });
    const { r, ms } = await timed(g.url);
    assert.ok(ms < 300 + 2 * SLACK_MS + 400, `answered in ${ms.toFixed(0)} ms`);
    assert.deepEqual(r.body.extensions?.['fallbacks'], ['Product.price']);
    // Two pricing fetches (cart items, featured products) merged into one request, one REST attempt: a retry would not fit the 300 ms.
    assert.equal(proxy.received.length, 1, proxy.received.map((q) => q.url).join(', '));
  });

  it('a hung critical subgraph fails fast once its breaker has seen enough, naming it', async () => {
    const hung = await startFaultyUpstream('hang');
    closers.push(hung.close);
    const g = await graph.gateway({
      subgraphUrls: urlsWith('cart', hung.url),
      subgraphTimeoutsMs: { cart: 800 },
      subgraphBreaker: { volumeThreshold: 3, failureThresholdPercent: 50, cooldownMs: 60_000 },
      degradation: BUDGETS,
      healthCheckIntervalMs: 0,
    });
    for (let i = 0; i < 3; i++) {
      const { r, ms } = await timed(g.url);
      assert.ok(ms >= 750, `waited its critical deadline: ${ms.toFixed(0)} ms`);
      assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'SUBGRAPH_TIMEOUT');
    }
    const seen = hung.requests();
    const { r, ms } = await timed(g.url);
    assert.ok(ms < 300, `failed fast: ${ms.toFixed(0)} ms`);
    assert.equal((r.body.data as unknown as FrontPage).me, null);
    assert.deepEqual(r.body.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['serviceName']]), [['SUBGRAPH_CIRCUIT_OPEN', 'cart']]);
    assert.equal(hung.requests(), seen, 'an open breaker does not touch the network');
  });
});
