import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startRestService, type RestServiceHandle, type ServiceName } from '../../services/server.ts';
import { parseSubgraphConfig, type SubgraphName } from '../../subgraphs/shared/config.ts';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { SUBGRAPHS } from '../../subgraphs/registry.ts';
import { operation } from '../support/operations.ts';
import { gatewayConfigFor, postGraphQL, silentLogger, startRestServices, tokenFor, type GraphQLResponse } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');
const PROMOTIONS_CALL = 'promotions GET /promotions';

// Small numbers so the breaker opens after a couple of front pages; a cooldown
// long enough that a slow machine cannot drift into half-open between the
// request that saw the breaker open and the assertions about it.
const SUBGRAPH_OVERRIDES = {
  restBreaker: { volumeThreshold: 4, windowMs: 10_000, cooldownMs: 1500 },
  restRetry: { baseDelayMs: 1, maxDelayMs: 5 },
};

/** The promotions subgraph's log lines (debug: calls refused by the breaker are logged there). */
const promotionsLog: { upstream?: string; state?: string; msg?: string }[] = [];
const promotionsLogger = pino({ level: 'debug' }, { write: (line: string) => void promotionsLog.push(JSON.parse(line) as (typeof promotionsLog)[number]) });

let rest: Record<ServiceName, RestServiceHandle>;
let subgraphs: RunningSubgraph[] = [];
let gateway: RunningGateway;
let restartedPromotions: RestServiceHandle | undefined;
let token: string;

before(async () => {
  rest = await startRestServices();
  subgraphs = await Promise.all(
    (Object.keys(SUBGRAPHS) as SubgraphName[]).map((name) => {
      const config = parseSubgraphConfig({ subgraph: name, port: 0, restUrl: rest[name].url, logLevel: 'silent', ...SUBGRAPH_OVERRIDES });
      return startSubgraph(SUBGRAPHS[name], config, name === 'promotions' ? promotionsLogger : silentLogger);
    }),
  );
  // These tests watch REST calls fail and the breaker react; a warm entity cache
  // would (rightly) answer promotions without calling them at all. What the
  // cache does while an upstream fails is tested in test/e2e/entity-cache.test.ts.
  gateway = await startGateway(gatewayConfigFor(Object.fromEntries(subgraphs.map((s) => [s.name, s])), { entityCache: { enabled: false } }), silentLogger);
  token = await tokenFor('user-0001');
});

after(async () => {
  await gateway?.stop();
  await Promise.all((subgraphs ?? []).map((s) => s.stop()));
  await Promise.all([...Object.values(rest ?? {}), ...(restartedPromotions ? [restartedPromotions] : [])].map((s) => s.close()));
});

interface Product {
  name: string;
  price: { effectivePrice: { formatted: string } } | null;
  promotions: unknown[] | null;
}
interface FrontPage {
  me: { name: string; cart: { items: { product: Product | null }[] } };
  featuredProducts: Product[];
}

const frontPage = () => postGraphQL(gateway.url, { query: FRONT_PAGE }, { token });

/** REST calls the promotions subgraph really sent for this response (a call refused by the breaker is not one). */
const promotionsCalls = (r: GraphQLResponse) => ((r.body.extensions?.['restCalls'] as Record<string, number> | undefined) ?? {})[PROMOTIONS_CALL] ?? 0;

/** Codes of the errors about promotions (none when the subgraph serves a fallback instead). */
const promotionsErrorCodes = (r: GraphQLResponse) => (r.body.errors ?? []).filter((e) => e.extensions?.['service'] === 'promotions').map((e) => e.extensions?.['code']);

/** Everything that does not come from promotions is still there. */
function assertRestOfPageIntact(r: GraphQLResponse): void {
  assert.equal(r.status, 200);
  const data = r.body.data as unknown as FrontPage;
  assert.ok(data.me.name.length > 0);
  assert.equal(data.me.cart.items.length, 20);
  for (const { product } of data.me.cart.items) {
    assert.ok(product && product.name.length > 0, 'product names come from catalog');
    assert.match(product.price?.effectivePrice.formatted ?? '', /^\$[\d,]+\.\d\d$/, 'prices come from pricing');
  }
  assert.equal(data.featuredProducts.length, 12);
  assert.ok(data.featuredProducts.every((p) => p.name.length > 0 && p.price !== null));
  const others = (r.body.errors ?? []).filter((e) => e.extensions?.['service'] !== 'promotions');
  assert.deepEqual(others, [], 'only promotions may fail');
}

describe('REST upstream down: the circuit breaker', () => {
  it('answers the front page normally while promotions is up', async () => {
    const r = await frontPage();
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.equal(promotionsCalls(r), 1);
  });

  it('opens after repeated failures: promotions calls stop reaching the network and fail fast with UPSTREAM_CIRCUIT_OPEN, the rest of the page intact', async () => {
    await rest.promotions.close();
    const seen: { calls: number; codes: unknown[] }[] = [];
    let open: GraphQLResponse | undefined;
    for (let i = 0; i < 10 && !open; i++) {
      const r = await frontPage();
      assertRestOfPageIntact(r);
      seen.push({ calls: promotionsCalls(r), codes: promotionsErrorCodes(r) });
      if (promotionsCalls(r) === 0) open = r;
    }
    assert.ok(open, `the breaker never opened: ${JSON.stringify(seen)}`);
    // Before it opened, promotions was really called (connection refused, retried once per GET).
    const before = seen.slice(0, -1);
    assert.ok(before.length >= 1 && before.length <= 4, JSON.stringify(seen));
    for (const s of before) {
      assert.ok(s.calls >= 1, JSON.stringify(seen));
      for (const code of s.codes) assert.equal(code, 'UPSTREAM_UNAVAILABLE');
    }
    // Once open, the subgraph refuses the call itself. Its UPSTREAM_CIRCUIT_OPEN
    // reaches the client as an error, unless the field declares a fallback
    // (Product.promotions does: then the client sees [] and extensions.fallbacks).
    for (const code of promotionsErrorCodes(open)) assert.equal(code, 'UPSTREAM_CIRCUIT_OPEN');
    assert.ok(
      promotionsErrorCodes(open).includes('UPSTREAM_CIRCUIT_OPEN') || JSON.stringify(open.body.extensions?.['fallbacks'] ?? []).includes('promotions'),
      `an open breaker must show as UPSTREAM_CIRCUIT_OPEN or a promotions fallback: ${JSON.stringify(open.body)}`.slice(0, 800),
    );
    assert.ok(promotionsLog.some((l) => l.msg === 'circuit open: call failed fast'), 'the subgraph failed the call fast');
    const opened = promotionsLog.filter((l) => l.state === 'open');
    assert.equal(opened.length, 1, 'one state change, logged once');
    assert.equal(opened[0]!.upstream, 'promotions');
  });

  it('half-opens after the cooldown and closes once promotions is back', async () => {
    restartedPromotions = await startRestService({ service: 'promotions', port: rest.promotions.port });
    let recovered: GraphQLResponse | undefined;
    const started = Date.now();
    while (!recovered && Date.now() - started < 15_000) {
      const r = await frontPage();
      assertRestOfPageIntact(r);
      // A fallback (if promotions has one) hides a failure as well as an error does.
      if (promotionsCalls(r) > 0 && r.body.errors === undefined && r.body.extensions?.['fallbacks'] === undefined) recovered = r;
      else await sleep(100);
    }
    assert.ok(recovered, 'the breaker never closed');
    const data = recovered.body.data as unknown as FrontPage;
    assert.ok(data.me.cart.items.every((i) => Array.isArray(i.product?.promotions)));
    assert.equal(promotionsCalls(recovered), 1);
    assert.ok(restartedPromotions.calls.length >= 1, 'the restarted service was called');
    const states = promotionsLog.filter((l) => l.upstream === 'promotions' && l.state).map((l) => l.state);
    assert.equal(states[0], 'open');
    assert.deepEqual(states.slice(-2), ['half-open', 'closed']);
  });
});
