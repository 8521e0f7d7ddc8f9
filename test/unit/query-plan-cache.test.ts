import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '../../gateway/metrics.ts';
import { countingQueryPlanCache } from '../../gateway/subgraphs/plan-cache.ts';
import { metricValue } from '../support/metrics.ts';

type Plan = Parameters<ReturnType<typeof countingQueryPlanCache>['set']>[1];
const plan = (text: string) => ({ kind: 'QueryPlan', node: { kind: 'Fetch', serviceName: 'catalog', operation: text } }) as unknown as Plan;

describe('query plan cache', () => {
  it('reports a miss, then a hit once the gateway stored the plan, and a miss again after a reload clears it', async () => {
    const lookups: boolean[] = [];
    const cache = countingQueryPlanCache((hit) => lookups.push(hit));
    assert.equal(await cache.get('k'), undefined);
    await cache.set('k', plan('{ a }'));
    assert.deepEqual(await cache.get('k'), plan('{ a }'));
    cache.clear();
    assert.equal(await cache.get('k'), undefined);
    assert.deepEqual(lookups, [false, true, false]);
  });

  it('is bounded by the JSON size of its plans: the least recently used go first', async () => {
    const cache = countingQueryPlanCache(() => {}, 300);
    await cache.set('a', plan('x'.repeat(60)));
    await cache.set('b', plan('y'.repeat(60)));
    assert.ok(await cache.get('a'));
    await cache.set('c', plan('z'.repeat(60)));
    assert.equal(await cache.get('b'), undefined);
    assert.ok(await cache.get('a'));
    await cache.set('huge', plan('h'.repeat(500)));
    assert.equal(await cache.get('huge'), undefined, 'a plan larger than the whole bound is not kept');
  });
});

describe('gateway cache metrics', () => {
  it('expose hit and miss of every cache from the start, at 0, and count lookups per cache', async () => {
    const metrics = createMetrics('web');
    metrics.cacheLookup('apq')(true);
    metrics.cacheLookup('document')(false);
    metrics.cacheLookup('document')(false);
    const text = await metrics.registry.metrics();
    const value = (cache: string, result: string) => metricValue(text, 'storefront_gateway_cache_requests_total', { cache, result });
    assert.deepEqual(
      ['document', 'apq', 'query_plan'].map((cache) => [cache, value(cache, 'hit'), value(cache, 'miss')]),
      [['document', 0, 2], ['apq', 1, 0], ['query_plan', 0, 0]],
    );
  });
});
