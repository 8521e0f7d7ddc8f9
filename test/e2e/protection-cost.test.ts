import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../gateway/server.ts';
import { operation } from '../support/operations.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';
import { useSharedGraph } from '../support/graph.ts';
import { postGraphQL, tokenFor } from '../support/system.ts';

const FRONT_PAGE = operation('web', 'FrontPage');
/** Estimated cost of FrontPage under the committed @cost/@listSize (docs/cost.md works it out). */
const FRONT_PAGE_ESTIMATE = 1410;
/** bench/heavy.graphql: a full 100-line cart is assumed (docs/cost.md, "The maximum per operation"). */
const HEAVY_ESTIMATE = 16_493;

interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus?: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

const graph = useSharedGraph();
const gateway = (overrides: Record<string, unknown>) => graph.gateway(overrides);

const costOf = (body: { extensions?: Record<string, unknown> }) => body.extensions?.['cost'] as CostExtension | undefined;
const metricsOf = async (g: RunningGateway) => (await fetch(g.url.replace('/graphql', '/metrics'))).text();

describe('cost in every response', () => {
  it("reports Shopify's shape: requested (estimated), actual (from the list sizes returned) and the throttle status", async () => {
    // No restore during the request, so the arithmetic is exact.
    const g = await gateway({ cost: { budget: { restoreRatePerSecond: 0 } } });
    const response = await postGraphQL(g.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    const cost = costOf(response.body)!;
    assert.equal(cost.requestedQueryCost, FRONT_PAGE_ESTIMATE);
    // 20 cart lines were returned where 100 were assumed: the actual cost is far lower.
    assert.ok(cost.actualQueryCost! > 0 && cost.actualQueryCost! < FRONT_PAGE_ESTIMATE, String(cost.actualQueryCost));
    assert.deepEqual(cost.throttleStatus, { maximumAvailable: 20_000, currentlyAvailable: 20_000 - cost.actualQueryCost!, restoreRate: 0 });
  });

  it('a larger cart costs more, actually', async () => {
    const g = await gateway({});
    const small = costOf((await postGraphQL(g.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0001') })).body)!;
    const anonymous = costOf((await postGraphQL(g.url, { query: FRONT_PAGE })).body)!;
    assert.equal(small.requestedQueryCost, anonymous.requestedQueryCost, 'the estimate depends on the document, not the user');
    assert.ok(anonymous.actualQueryCost! < small.actualQueryCost!, 'no cart returned, no cart cost');
  });
});

describe('maximum cost per operation', () => {
  it('refuses an operation estimated over maxCost with 400 COST_ESTIMATED_TOO_EXPENSIVE and the numbers, before it runs', async () => {
    const g = await gateway({ cost: { maxCost: 1000, budget: { maximumAvailable: 1000 } } });
    graph.rest.user.resetCalls();
    const response = await postGraphQL(g.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    assert.equal(response.status, 400);
    assert.equal('data' in response.body, false);
    assert.deepEqual(response.body.errors?.[0]?.extensions, { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: FRONT_PAGE_ESTIMATE, max: 1000 } });
    assert.equal(graph.rest.user.calls.length, 0, 'nothing was executed');
  });

  it('estimates one cached document anew for each value of its slicing variable: a small page runs, a huge one is refused, the small one runs again', async () => {
    const g = await gateway({ cost: { maxCost: 1000, budget: { maximumAvailable: 20_000 } } });
    const token = await tokenFor('user-0001');
    const query = 'query Search($n: Int) { searchProducts(first: $n) { nodes { id name } } }';
    const search = (variables: Record<string, unknown>) => postGraphQL(g.url, { query, variables }, { token });
    const five = await search({ n: 5 });
    assert.equal(five.status, 200);
    const fiveCost = costOf(five.body)!.requestedQueryCost;
    const fifty = await search({ n: 50 });
    assert.ok(costOf(fifty.body)!.requestedQueryCost > fiveCost, 'first: 50 is estimated higher than first: 5');
    const huge = await search({ n: 5000 });
    assert.equal(huge.status, 400);
    const refusal = huge.body.errors?.[0]?.extensions as { code: string; cost: { estimated: number; max: number } };
    assert.equal(refusal.code, 'COST_ESTIMATED_TOO_EXPENSIVE');
    assert.ok(refusal.cost.estimated > 1000);
    const defaulted = await search({});
    assert.equal(defaulted.status, 200, 'left out, $n takes no value: the schema default first: 20 sizes the list');
    assert.ok(costOf(defaulted.body)!.requestedQueryCost > fiveCost && costOf(defaulted.body)!.requestedQueryCost < costOf(fifty.body)!.requestedQueryCost);
    assert.equal(costOf((await search({ n: 5, unrelated: 'x' })).body)?.requestedQueryCost, fiveCost, 'a variable the estimate never reads changes nothing');
    assert.equal((await search({ n: 5000 })).status, 400, 'refused again from the memo');
  });

  it('in measure mode, lets it run and counts it', async () => {
    const g = await gateway({ cost: { maxCost: 1000, maxCostMode: 'measure', budget: { maximumAvailable: 20_000 } } });
    const response = await postGraphQL(g.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0001') });
    assert.equal(response.status, 200);
    assert.equal(response.body.errors, undefined);
    assert.match(await metricsOf(g), /storefront_gateway_cost_rejections_total\{reason="max_cost",mode="measure",profile="web"\} 1/);
  });

  it("admits the storefront's heaviest page as shipped on web, charging its client the actual cost", async () => {
    const heavy = readFileSync(new URL('../../bench/heavy.graphql', import.meta.url), 'utf8');
    const web = await gateway({});
    const admitted = await postGraphQL(web.url, { query: heavy }, { token: await tokenFor('user-0001') });
    assert.equal(admitted.status, 200);
    assert.equal(admitted.body.errors, undefined, JSON.stringify(admitted.body.errors));
    const cost = costOf(admitted.body)!;
    assert.equal(cost.requestedQueryCost, HEAVY_ESTIMATE);
    assert.ok(cost.actualQueryCost! < 5000, String(cost.actualQueryCost));
    const kept = cost.throttleStatus!.maximumAvailable - cost.throttleStatus!.currentlyAvailable;
    assert.ok(kept <= cost.actualQueryCost!, `only the actual cost is kept from the bucket (kept ${kept})`);
  });

  it('refuses a config whose maxCost could never be paid from the budget', async () => {
    await assert.rejects(gateway({ cost: { maxCost: 5000, budget: { maximumAvailable: 1000 } } }), /maxCost must not exceed budget\.maximumAvailable/);
  });
});

describe('budget per client', () => {
  const tight = { cost: { maxCost: 1500, budget: { maximumAvailable: 1500, restoreRatePerSecond: 0.5 } } };

  it('throttles a client whose bucket cannot pay the estimate: 429 THROTTLED, Retry-After, the throttle status, no data', async () => {
    const g = await gateway(tight);
    const token = await tokenFor('user-0001');
    const first = await postGraphQL(g.url, { query: FRONT_PAGE }, { token });
    assert.equal(first.status, 200);
    const left = costOf(first.body)!.throttleStatus!.currentlyAvailable;
    assert.ok(left < FRONT_PAGE_ESTIMATE, `${left} points left after the refund`);

    const second = await postGraphQL(g.url, { query: FRONT_PAGE }, { token });
    assert.equal(second.status, 429);
    assert.equal('data' in second.body, false);
    assert.equal(second.body.errors?.[0]?.extensions?.['code'], 'THROTTLED');
    const retryAfter = Number(second.headers.get('retry-after'));
    // (1410 - left) points at 0.5 per second.
    assert.ok(Math.abs(retryAfter - Math.ceil((FRONT_PAGE_ESTIMATE - left) / 0.5)) <= 2, `Retry-After ${retryAfter}`);
    const cost = costOf(second.body)!;
    assert.equal(cost.requestedQueryCost, FRONT_PAGE_ESTIMATE);
    assert.equal(cost.actualQueryCost, null);
    assert.equal(cost.throttleStatus!.maximumAvailable, 1500);
  });

  it('keeps one budget per client: another user is not throttled', async () => {
    const g = await gateway(tight);
    const a = await tokenFor('user-0001');
    await postGraphQL(g.url, { query: FRONT_PAGE }, { token: a });
    assert.equal((await postGraphQL(g.url, { query: FRONT_PAGE }, { token: a })).status, 429);
    assert.equal((await postGraphQL(g.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0002') })).status, 200);
    assert.equal((await postGraphQL(g.url, { query: FRONT_PAGE }, { headers: { 'x-api-key': 'partner-key-1' } })).status, 200, 'an API key has its own budget');
  });

  it('in measure mode, lets a throttled request run and counts it', async () => {
    const g = await gateway({ cost: { maxCost: 1500, budget: { maximumAvailable: 1500, restoreRatePerSecond: 0.5, mode: 'measure' } } });
    const token = await tokenFor('user-0003');
    await postGraphQL(g.url, { query: FRONT_PAGE }, { token });
    assert.equal((await postGraphQL(g.url, { query: FRONT_PAGE }, { token })).status, 200);
    assert.match(await metricsOf(g), /storefront_gateway_cost_rejections_total\{reason="throttled",mode="measure",profile="web"\} 1/);
  });
});

describe('budget per client, batched requests', () => {
  it('refunds what earlier operations of a batch took when a later one is refused: the refused batch costs nothing', async () => {
    // Room for two FrontPages, never restored: the third of the batch is throttled.
    const g = await gateway({ batching: { maxBatchSize: 3 }, cost: { maxCost: 1500, budget: { maximumAvailable: 3000, restoreRatePerSecond: 0 } } });
    const token = await tokenFor('user-0004');
    graph.rest.user.resetCalls();
    const refused = await postGraphQL(g.url, [{ query: FRONT_PAGE }, { query: FRONT_PAGE }, { query: FRONT_PAGE }], { token });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.errors?.[0]?.extensions?.['code'], 'THROTTLED');
    assert.equal(graph.rest.user.calls.length, 0, 'nothing of the batch was executed');

    const single = await postGraphQL(g.url, { query: FRONT_PAGE }, { token });
    assert.equal(single.status, 200, 'the budget is whole again');
    const cost = costOf(single.body)!;
    assert.equal(cost.throttleStatus!.currentlyAvailable, 3000 - cost.actualQueryCost!);
  });

  it('charges every operation of an admitted batch', async () => {
    const g = await gateway({ batching: { maxBatchSize: 2 }, cost: { budget: { restoreRatePerSecond: 0 } } });
    const token = await tokenFor('user-0005');
    const response = await postGraphQL(g.url, [{ query: FRONT_PAGE }, { query: FRONT_PAGE }], { token });
    assert.equal(response.status, 200);
    const answers = response.body as unknown as { extensions: { cost: CostExtension } }[];
    const [first, second] = answers.map((a) => a.extensions.cost);
    const after = costOf((await postGraphQL(g.url, { query: FRONT_PAGE }, { token })).body)!;
    assert.equal(after.throttleStatus!.currentlyAvailable, 20_000 - first!.actualQueryCost! - second!.actualQueryCost! - after.actualQueryCost!);
  });
});

describe('budgets shared through Redis', () => {
  let redis: RunningRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.stop());

  it('two gateways on one Redis share one budget per client', async () => {
    const shared = { cost: { maxCost: 1500, budget: { maximumAvailable: 1500, restoreRatePerSecond: 0.5, redisUrl: redis.url, redisKeyPrefix: `t${Date.now()}:` } } };
    const a = await gateway(shared);
    const b = await gateway(shared);
    const token = await tokenFor('user-0010');
    const first = await postGraphQL(a.url, { query: FRONT_PAGE }, { token });
    assert.equal(first.status, 200);
    const onB = await postGraphQL(b.url, { query: FRONT_PAGE }, { token });
    assert.equal(onB.status, 429, 'replica B charges the budget replica A spent');
    assert.match(await metricsOf(b), /storefront_gateway_budget_shared\{profile="web"\} 1/);
  });

  it('with Redis unreachable, keeps serving on local budgets and says so in metrics', async () => {
    const g = await gateway({ cost: { budget: { redisUrl: 'redis://127.0.0.1:1', redisCommandTimeoutMs: 100 } } });
    const response = await postGraphQL(g.url, { query: FRONT_PAGE }, { token: await tokenFor('user-0011') });
    assert.equal(response.status, 200);
    assert.equal(response.body.errors, undefined);
    assert.match(await metricsOf(g), /storefront_gateway_budget_shared\{profile="web"\} 0/);
  });
});
