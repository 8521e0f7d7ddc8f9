import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DEADLINE_HEADER } from '../../common/upstream/deadline.ts';
import { identityKey, signIdentityAssertion } from '../../common/identity.ts';
import { IDENTITY_HEADER } from '../../common/upstream/wire.ts';
import { DEV_IDENTITY_SECRET } from '../../common/secrets.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startRestService, type RestServiceHandle } from '../../services/server.ts';
import { parseSubgraphConfig } from '../../subgraphs/shared/config.ts';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { SUBGRAPHS } from '../../subgraphs/registry.ts';
import { startSlowProxy } from '../support/slow-proxy.ts';
import { gatewayConfigFor, postGraphQL, silentLogger } from '../support/system.ts';

// The catalog subgraph calls its REST service through a hop that never answers
// in time. On its own it would try twice (1000 ms each) within its own limit of
// 1500 ms; the gateway's deadline header must cut that short.
const REST_TIMEOUT_MS = 1000;
const SUBGRAPH_MAX_MS = 1500;
const QUERY = '{ product(id: "prod-00001") { name } }';

let rest: RestServiceHandle;
let restHop: Awaited<ReturnType<typeof startSlowProxy>>;
let subgraph: RunningSubgraph;
let subgraphHop: Awaited<ReturnType<typeof startSlowProxy>>;
const gateways: RunningGateway[] = [];

before(async () => {
  rest = await startRestService({ service: 'catalog', port: 0 });
  restHop = await startSlowProxy(rest.url, 3000);
  const config = parseSubgraphConfig({
    subgraph: 'catalog',
    port: 0,
    restUrl: restHop.url,
    logLevel: 'silent',
    restTimeoutMs: REST_TIMEOUT_MS,
    requestTimeoutMs: SUBGRAPH_MAX_MS,
    // Only the deadline may stop a retry here: no breaker, a budget that always allows one.
    restBreaker: { enabled: false },
    restRetry: { baseDelayMs: 1, maxDelayMs: 5, minRetriesPerSecond: 100 },
  });
  subgraph = await startSubgraph(SUBGRAPHS.catalog, config, silentLogger);
  // An undelayed hop between gateway and subgraph, to read the headers the gateway sends.
  subgraphHop = await startSlowProxy(subgraph.url.replace('/graphql', ''), 0);
});
after(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await subgraph?.stop();
  await subgraphHop?.close();
  await restHop?.close();
  await rest?.close();
});
beforeEach(() => {
  restHop.received.length = 0;
  subgraphHop.received.length = 0;
});

async function gateway(overrides: Record<string, unknown>): Promise<RunningGateway> {
  const g = await startGateway(gatewayConfigFor({ catalog: { url: `${subgraphHop.url}/graphql` } }, { healthCheckIntervalMs: 0, ...overrides }), silentLogger);
  gateways.push(g);
  return g;
}

const sentDeadline = () => Number(subgraphHop.received.at(-1)?.headers[DEADLINE_HEADER]);

describe('deadline propagation: gateway → subgraph → REST', () => {
  it('sends the subgraph its fetch timeout, and the subgraph makes one REST attempt and no retry after the gateway gave up', async () => {
    const g = await gateway({ subgraphTimeoutsMs: { catalog: 300 } });
    const started = performance.now();
    const r = await postGraphQL(g.url, { query: QUERY });
    assert.deepEqual(r.body.errors?.[0]?.extensions, { code: 'SUBGRAPH_TIMEOUT', serviceName: 'catalog', timeoutMs: 300 });
    const sent = sentDeadline();
    assert.ok(sent > 250 && sent <= 300, `x-storefront-deadline-ms: ${sent}`);
    // Without the header the subgraph would retry at ~1000 ms; wait past two full attempts.
    await sleep(2 * REST_TIMEOUT_MS + 300 - (performance.now() - started));
    assert.equal(restHop.received.length, 1, 'one REST attempt, no retry');
  });

  it('sends what is left of the request deadline when that is shorter than the fetch timeout', async () => {
    const g = await gateway({ requestTimeoutMs: 400 });
    const r = await postGraphQL(g.url, { query: QUERY });
    assert.equal(r.body.errors?.[0]?.extensions?.['code'], 'GATEWAY_TIMEOUT');
    const sent = sentDeadline();
    assert.ok(sent > 250 && sent <= 400, `x-storefront-deadline-ms: ${sent} (subgraphTimeoutMs is 10000)`);
  });
});

describe('the subgraph under its deadline header', () => {
  async function direct(deadline: string | undefined) {
    const assertion = await signIdentityAssertion(identityKey(DEV_IDENTITY_SECRET), { userId: null });
    const started = performance.now();
    const r = await postGraphQL(subgraph.url, { query: QUERY }, { headers: { [IDENTITY_HEADER]: assertion, ...(deadline === undefined ? {} : { [DEADLINE_HEADER]: deadline }) } });
    return { elapsed: performance.now() - started, code: r.body.errors?.[0]?.extensions?.['code'], product: r.body.data?.['product'] };
  }

  it('stops calling its REST service when the deadline is spent, answering UPSTREAM_TIMEOUT soon after it', async () => {
    const r = await direct('300');
    assert.equal(r.code, 'UPSTREAM_TIMEOUT');
    assert.equal(r.product, null);
    assert.ok(r.elapsed >= 290 && r.elapsed < 900, `answered after ${r.elapsed} ms; deadline 300, one attempt alone is ${REST_TIMEOUT_MS}`);
    assert.equal(restHop.received.length, 1);
  });

  it('without the header, works within its own limit: an attempt and a retry cut to what is left', async () => {
    const r = await direct(undefined);
    assert.equal(r.code, 'UPSTREAM_TIMEOUT');
    assert.ok(r.elapsed >= SUBGRAPH_MAX_MS - 100 && r.elapsed < 2 * REST_TIMEOUT_MS - 100, `answered after ${r.elapsed} ms`);
    assert.equal(restHop.received.length, 2);
  });

  it('ignores hostile or malformed values and can never be given more than its own limit', async () => {
    const hostile = ['-5', 'NaN', '1e3', '99999999999999999999', '300, 300', '', ' 300.5'];
    const results = await Promise.all(hostile.map((value) => direct(value)));
    results.forEach((r, i) => {
      assert.equal(r.code, 'UPSTREAM_TIMEOUT', `value ${JSON.stringify(hostile[i])}`);
      // Own limit: ~1500 ms. Lengthened, it would take two whole attempts (2000 ms); shortened, far less.
      assert.ok(r.elapsed >= SUBGRAPH_MAX_MS - 100 && r.elapsed < 2 * REST_TIMEOUT_MS - 100, `${JSON.stringify(hostile[i])}: answered after ${r.elapsed} ms`);
    });
    assert.equal(restHop.received.length, 2 * hostile.length);
  });
});
