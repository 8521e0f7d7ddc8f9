import { Counter, Gauge, type Registry } from 'prom-client';

export type LookupResult = 'hit' | 'miss' | 'stale';

/**
 * The entity cache's Prometheus metrics, in the gateway's registry. Labels are
 * bounded by the supergraph: subgraph names and type names (`Query` for root
 * fields), never keys or tags.
 */
export function createEntityCacheMetrics(registry: Registry, shared: () => boolean) {
  return {
    lookups: new Counter({
      name: 'storefront_gateway_entity_cache_requests_total',
      help: 'Entity cache lookups, by subgraph, type (the entity\'s type, or Query for a root-field fetch) and result (hit; miss; stale: found expired, refetched).',
      labelNames: ['subgraph', 'type', 'result'] as const,
      registers: [registry],
    }),
    coalesced: new Counter({
      name: 'storefront_gateway_entity_cache_coalesced_total',
      help: 'Subgraph fetches of public data not sent because an identical one was in flight (stampede control), by subgraph.',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
    invalidations: new Counter({
      name: 'storefront_gateway_entity_cache_invalidations_total',
      help: 'Purges by source (endpoint: POST /cache/invalidate; mutation: what a mutation returned) and outcome (ok, failed).',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    shared: new Gauge({
      name: 'storefront_gateway_entity_cache_shared',
      help: '1 when the entity cache is shared through Redis, 0 when kept per process (no Redis configured, or Redis unreachable).',
      registers: [registry],
      collect() {
        this.set(shared() ? 1 : 0);
      },
    }),
  };
}

export type EntityCacheMetrics = ReturnType<typeof createEntityCacheMetrics>;
