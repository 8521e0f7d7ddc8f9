import type { FastifyInstance } from 'fastify';
import type { SubgraphHealth } from '../subgraphs/health.ts';

/**
 * Apollo Router's convention: /health is liveness (the process answers);
 * /health?ready=true is readiness. Ready means "can serve": a subgraph that is
 * down costs its fields, not the gateway, so it shows as DEGRADED with the
 * unhealthy dependencies named, and the gateway stays in rotation.
 */
export function registerHealthRoute(app: FastifyInstance, options: { readonly path: string; readonly phase: () => string; readonly health: SubgraphHealth }): void {
  app.get(options.path, async (request, reply) => {
    const wantsReady = (request.query as Record<string, unknown>)['ready'] !== undefined;
    if (!wantsReady) return { status: 'UP' };
    const phase = options.phase();
    const ready = phase === 'ready';
    const subgraphs = options.health.snapshot();
    const degraded = Object.values(subgraphs).some((s) => s === 'DOWN');
    return reply.status(ready ? 200 : 503).send({ status: ready ? (degraded ? 'DEGRADED' : 'UP') : 'DOWN', phase, subgraphs });
  });
}
