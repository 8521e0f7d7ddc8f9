import type { GatewayConfig } from '@apollo/gateway';
import { LRUCache } from 'lru-cache';
import type { CacheLookup } from '../metrics.ts';

type QueryPlanCache = NonNullable<NonNullable<GatewayConfig['queryPlannerConfig']>['cache']>;
type QueryPlan = NonNullable<Awaited<ReturnType<QueryPlanCache['get']>>>;

/** Apollo Gateway's default bound: about 30 MiB of plans. */
const DEFAULT_MAX_BYTES = 30 * 1024 * 1024;

/**
 * Apollo Gateway's query-plan cache, handed to it through its public
 * `queryPlannerConfig.cache` option so that hits and misses can be counted
 * (the gateway has no hook that says whether a plan came from its cache).
 * The gateway looks a plan up once per executed operation, after validation,
 * and clears the cache on every supergraph reload. Bounded as the gateway's
 * own default store is: an LRU of ~30 MiB, each plan sized by its JSON.
 */
export function countingQueryPlanCache(onLookup: CacheLookup, maxBytes = DEFAULT_MAX_BYTES): QueryPlanCache {
  const plans = new LRUCache<string, QueryPlan>({
    maxSize: maxBytes,
    sizeCalculation: (plan) => Math.max(1, Buffer.byteLength(JSON.stringify(plan), 'utf8')),
  });
  return {
    async get(key) {
      const plan = plans.get(key);
      onLookup(plan !== undefined);
      return plan;
    },
    async set(key, plan) {
      plans.set(key, plan);
    },
    async delete(key) {
      return plans.delete(key);
    },
    clear() {
      plans.clear();
    },
  };
}
