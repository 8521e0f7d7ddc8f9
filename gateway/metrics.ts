import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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
  return {
    registry,
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
    budgetBackend: new Gauge({
      name: 'storefront_gateway_budget_shared',
      help: '1 when cost budgets are shared through Redis, 0 when kept per process (no Redis configured, or Redis unreachable).',
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createMetrics>;
