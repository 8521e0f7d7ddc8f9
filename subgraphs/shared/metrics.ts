import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from '../../common/upstream/breaker.ts';

/** Counts one loader's loads: answered from its per-request cache, or sent to a batch call. */
export interface LoaderCacheObserver {
  hit(): void;
  miss(): void;
}

/** The observer of the loaders over one batch route; returns the same object for the same route. */
export type LoaderObservers = (route: string) => LoaderCacheObserver;

/** What the REST client reports about each network attempt. */
export interface RestObserver {
  attempt(route: string, method: string, outcome: string, seconds: number, batchSize?: number): void;
}

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * One subgraph process's Prometheus metrics (its `/metrics`): REST calls,
 * latency and outcome per upstream route, DataLoader batch sizes and cache
 * hits, and the upstream's breaker state. Labels are route patterns, never
 * concrete paths.
 */
export function createSubgraphMetrics(subgraph: string, upstream: string, breakerState: () => BreakerState) {
  const registry = new Registry();
  registry.setDefaultLabels({ subgraph });
  collectDefaultMetrics({ register: registry, prefix: 'storefront_subgraph_' });
  const calls = new Counter({
    name: 'storefront_subgraph_rest_calls_total',
    help: 'REST calls (each network attempt), by upstream, method, route pattern and outcome (ok, or the failure kind).',
    labelNames: ['upstream', 'method', 'route', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'storefront_subgraph_rest_call_duration_seconds',
    help: 'Time of one REST call attempt, by upstream and route pattern.',
    labelNames: ['upstream', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'storefront_subgraph_dataloader_batch_size',
    help: 'Keys per DataLoader batch call, by upstream and route pattern.',
    labelNames: ['upstream', 'route'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100],
    registers: [registry],
  });
  // Loads are counted in plain numbers and handed to prom-client when scraped:
  // a labelled inc() hashes its labels every time, which would cost more than
  // the load it counts. Loaders are per request; their counts live per route.
  const loaderCounts = new Map<string, { hits: number; misses: number }>();
  new Counter({
    name: 'storefront_subgraph_dataloader_cache_requests_total',
    help: 'DataLoader loads, by upstream, batch route pattern and result: hit (answered from the per-request cache: the key was loaded or primed earlier in the same request) or miss (the key went to a batch call).',
    labelNames: ['upstream', 'route', 'result'] as const,
    registers: [registry],
    collect() {
      for (const [route, counts] of loaderCounts) {
        this.inc({ upstream, route, result: 'hit' }, counts.hits);
        this.inc({ upstream, route, result: 'miss' }, counts.misses);
        counts.hits = 0;
        counts.misses = 0;
      }
    },
  });
  const loaderObservers = new Map<string, LoaderCacheObserver>();
  const loaders: LoaderObservers = (route) => {
    let observer = loaderObservers.get(route);
    if (!observer) {
      const counts = { hits: 0, misses: 0 };
      loaderCounts.set(route, counts);
      observer = { hit: () => counts.hits++, miss: () => counts.misses++ };
      loaderObservers.set(route, observer);
    }
    return observer;
  };
  new Gauge({
    name: 'storefront_subgraph_rest_breaker_state',
    help: 'Circuit breaker of the REST upstream: 0 closed, 1 half-open, 2 open.',
    labelNames: ['upstream'] as const,
    registers: [registry],
    collect() {
      this.set({ upstream }, BREAKER_STATE_VALUE[breakerState()]);
    },
  });
  const graphqlRequests = new Counter({
    name: 'storefront_subgraph_graphql_requests_total',
    help: 'GraphQL requests this subgraph received (each one fetch of a gateway\'s query plan), health probes excluded.',
    registers: [registry],
  });
  const observer: RestObserver = {
    attempt(route, method, outcome, seconds, keys) {
      calls.inc({ upstream, method, route, outcome });
      duration.observe({ upstream, route }, seconds);
      if (keys !== undefined) batchSize.observe({ upstream, route }, keys);
    },
  };
  return { registry, observer, loaders, graphqlRequests };
}
