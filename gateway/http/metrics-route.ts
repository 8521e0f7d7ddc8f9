import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../metrics.ts';

export const METRICS_PATH = '/metrics';

/** Prometheus scrape endpoint, in the registry's own text format. */
export function registerMetricsRoute(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.get(METRICS_PATH, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
}
