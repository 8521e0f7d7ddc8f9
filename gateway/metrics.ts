import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The caches the gateway owns and counts (`cache` label of storefront_gateway_cache_requests_total). */
export const CACHE_NAMES = ['document', 'apq', 'query_plan'] as const;
export type CacheName = (typeof CACHE_NAMES)[number];
/** Records one lookup: true for a hit, false for a miss. */
export type CacheLookup = (hit: boolean) => void;

/**
 * Buckets of storefront_gateway_list_size. A suggested `assumedSize` is the
 * bucket bound at the 99th percentile, so the bounds are sizes one would
 * write: exact up to 6 (images, addresses, promotions), then round numbers.
 */
export const LIST_SIZE_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000, 10_000];

/**
 * The gateway's Prometheus metrics (prom-client), one registry per gateway
 * instance so tests running several gateways in one process do not mix counts.
 * Label values are bounded: limit names, modes, codes and outcomes from fixed
 * sets; never operation text.
 */
export function createMetrics(profile: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ profile });
  collectDefaultMetrics({ register: registry, prefix: 'storefront_gateway_' });
  const cacheRequests = new Counter({
    name: 'storefront_gateway_cache_requests_total',
    help: 'Lookups in the gateway\'s caches, by cache (document: parse, limits and validation of a document text; apq: the automatic persisted query store; query_plan: Apollo Gateway\'s query plans) and result (hit, miss).',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
  });
  // Bound once: the hot path only increments. Every series exists from the
  // start (at 0), so a hit rate is defined before the first miss.
  const lookups = Object.fromEntries(
    CACHE_NAMES.map((cache) => {
      const hit = cacheRequests.labels({ cache, result: 'hit' });
      const miss = cacheRequests.labels({ cache, result: 'miss' });
      hit.inc(0);
      miss.inc(0);
      const lookup: CacheLookup = (found) => (found ? hit : miss).inc();
      return [cache, lookup];
    }),
  ) as Record<CacheName, CacheLookup>;
  return {
    registry,
    /** Records lookups in one of the gateway's caches. */
    cacheLookup: (cache: CacheName): CacheLookup => lookups[cache],
    requests: new Counter({
      name: 'storefront_gateway_requests_total',
      help: 'GraphQL operations executed, by operation (manifest name or "unlisted") and outcome (ok, partial, error).',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'storefront_gateway_request_duration_seconds',
      help: 'Time to execute a GraphQL operation, by operation and outcome.',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'storefront_gateway_errors_total',
      help: 'Errors in responses, by catalogue code (docs/errors.md).',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    subgraphFetchDuration: new Histogram({
      name: 'storefront_gateway_subgraph_fetch_duration_seconds',
      help: 'Time of one subgraph fetch, by subgraph and outcome (ok or the error code).',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'storefront_gateway_fallbacks_total',
      help: 'Optional fields answered with their declared fallback at the gateway, by field and failed service.',
      labelNames: ['field', 'service'] as const,
      registers: [registry],
    }),
    subgraphBreakerState: new Gauge({
      name: 'storefront_gateway_subgraph_breaker_state',
      help: 'Circuit breaker per subgraph: 0 closed, 1 half-open, 2 open.',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
    limitViolations: new Counter({
      name: 'storefront_gateway_limit_violations_total',
      help: 'Operations over an operation limit, by limit and mode (measure: allowed and counted; enforce: refused).',
      labelNames: ['limit', 'mode'] as const,
      registers: [registry],
    }),
    persistedQueries: new Counter({
      name: 'storefront_gateway_persisted_queries_total',
      help: 'Operations by how the persisted-query layer admitted them (manifest, apq, freeform, audit-unknown) or the code it refused them with.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    costRejections: new Counter({
      name: 'storefront_gateway_cost_rejections_total',
      help: 'Operations over the maximum cost or the client budget, by reason and mode.',
      labelNames: ['reason', 'mode'] as const,
      registers: [registry],
    }),
    identityAssertions: new Counter({
      name: 'storefront_gateway_identity_assertions_signed_total',
      help: 'Identity assertions signed for subgraph fetches: at most one per client request, none for a request refused before execution or answered without a subgraph fetch.',
      registers: [registry],
    }),
    costEstimated: new Counter({
      name: 'storefront_gateway_cost_estimated_total',
      help: 'Sum of the estimated cost of admitted operations.',
      registers: [registry],
    }),
    costActual: new Counter({
      name: 'storefront_gateway_cost_actual_total',
      help: 'Sum of the actual cost of executed operations.',
      registers: [registry],
    }),
    listSize: new Histogram({
      name: 'storefront_gateway_list_size',
      help: 'Length of each list a field returned, by field coordinate (Type.field): the observations npm run cost:suggest turns into @listSize annotations. Bounded by the schema\'s list fields.',
      labelNames: ['field'] as const,
      buckets: LIST_SIZE_BUCKETS,
      registers: [registry],
    }),
    budgetBackend: new Gauge({
      name: 'storefront_gateway_budget_shared',
      help: '1 when cost budgets are shared through Redis, 0 when kept per process (no Redis configured, or Redis unreachable).',
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createMetrics>;
