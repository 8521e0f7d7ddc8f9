import { after, before } from 'node:test';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import type { RestServiceHandle, ServiceName } from '../../services/server.ts';
import type { SubgraphName } from '../../subgraphs/shared/config.ts';
import type { RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { gatewayConfigFor, silentLogger, startRestServices, startSubgraphs } from './system.ts';

export interface SharedGraph {
  /** The REST services and subgraphs, once the file's `before` hook has run. */
  readonly rest: Record<ServiceName, RestServiceHandle>;
  readonly subgraphs: Record<SubgraphName, RunningSubgraph>;
  /** Starts a gateway with these config overrides on the shared subgraphs; stopped after the file. */
  gateway(overrides?: Record<string, unknown>): Promise<RunningGateway>;
}

/**
 * One set of REST services and subgraphs for a whole test file, with as many
 * differently configured gateways on top as its tests need: far lighter on
 * a 2-core machine than a whole system per configuration. Registers the
 * file's before/after hooks; call it at the top level of a test file.
 */
export function useSharedGraph(): SharedGraph {
  let rest: Record<ServiceName, RestServiceHandle> | undefined;
  let subgraphs: Record<SubgraphName, RunningSubgraph> | undefined;
  const gateways: RunningGateway[] = [];
  before(async () => {
    rest = await startRestServices();
    subgraphs = await startSubgraphs(rest);
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
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
  };
}
