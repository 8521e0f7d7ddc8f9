import { after, before } from 'node:test';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import type { RestServiceHandle, ServiceName } from '../../services/server.ts';
import type { SubgraphName } from '../../subgraphs/shared/config.ts';
import type { RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.ts';
import { startRedis, type RunningRedis } from './redis.ts';
import { gatewayConfigFor, silentLogger, startRestServices, startSubgraphs } from './system.ts';

export interface SharedGraph {
  /** The REST services and subgraphs, once the file's `before` hook has run. */
  readonly rest: Record<ServiceName, RestServiceHandle>;
  readonly subgraphs: Record<SubgraphName, RunningSubgraph>;
  /** Starts a gateway with these config overrides on the shared subgraphs; stopped after the file. */
  gateway(overrides?: Record<string, unknown>): Promise<RunningGateway>;
  /** The file's redis-server (`useSharedGraph({ redis: true })` only). */
  readonly redis: RunningRedis;
  /**
   * `node gateway/main.ts` as its own process, as a replica runs, pointed at the
   * shared subgraphs (and at the file's Redis, when it has one); stopped after the file.
   */
  gatewayProcess(args: readonly string[]): Promise<GatewayProcess>;
}

/**
 * One set of REST services and subgraphs for a whole test file, with as many
 * differently configured gateways on top as its tests need: far lighter on
 * a 2-core machine than a whole system per configuration. Registers the
 * file's before/after hooks; call it at the top level of a test file.
 */
export function useSharedGraph(options: { readonly redis?: boolean } = {}): SharedGraph {
  let rest: Record<ServiceName, RestServiceHandle> | undefined;
  let subgraphs: Record<SubgraphName, RunningSubgraph> | undefined;
  let redis: RunningRedis | undefined;
  const gateways: RunningGateway[] = [];
  const processes: GatewayProcess[] = [];
  before(async () => {
    rest = await startRestServices();
    subgraphs = await startSubgraphs(rest);
    if (options.redis) redis = await startRedis();
  });
  // Stops whatever did start, even when set-up failed halfway.
  after(async () => {
    await Promise.allSettled(processes.map((g) => g.stop()));
    await Promise.all(gateways.map((g) => g.stop()));
    await redis?.stop();
    await Promise.all(Object.values(subgraphs ?? {}).map((s) => s.stop()));
    await Promise.all(Object.values(rest ?? {}).map((s) => s.close()));
  });
  return {
    get rest() {
      if (!rest) throw new Error('useSharedGraph: used before its before() hook ran');
      return rest;
    },
    get subgraphs() {
      if (!subgraphs) throw new Error('useSharedGraph: used before its before() hook ran');
      return subgraphs;
    },
    async gateway(overrides = {}) {
      if (!subgraphs) throw new Error('useSharedGraph: used before its before() hook ran');
      const g = await startGateway(gatewayConfigFor(subgraphs, overrides), silentLogger);
      gateways.push(g);
      return g;
    },
    get redis() {
      if (!redis) throw new Error('useSharedGraph: no Redis (pass { redis: true }), or used before its before() hook ran');
      return redis;
    },
    gatewayProcess(args) {
      if (!subgraphs) throw new Error('useSharedGraph: used before its before() hook ran');
      const all = [...args, ...(redis ? ['--redis-url', redis.url] : [])];
      for (const [name, s] of Object.entries(subgraphs)) all.push('--subgraph-url', `${name}=${s.url}`);
      return startGatewayProcess(all, processes);
    },
  };
}
