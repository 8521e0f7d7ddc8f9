import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SERVICE_NAMES } from '../../services/service-names.ts';
import { ManagedProcess, freePort } from './processes.ts';
import { startFaultProxy, type FaultProxy } from './proxy.ts';

export type Tier = 'rest' | 'subgraph';

/** One of the ten backing processes, with the hop in front of it. */
export interface Backing {
  readonly id: string;
  readonly tier: Tier;
  readonly service: string;
  readonly process: ManagedProcess;
  readonly proxy: FaultProxy;
}

export interface FaultSystem {
  readonly gatewayUrl: string;
  readonly backing: readonly Backing[];
  stop(): Promise<void>;
}

/** Gateway settings of the matrix: the shipped defaults, with the recommended 800 ms critical deadline (docs/degradation.md) and no entity cache. */
// The entity cache is off: the matrix measures what the degradation machinery
// gives a shopper when a process fails, and a warm cache (on as shipped) would
// answer cached products, prices and promotions through the fault instead
// (for up to their max-age; test/e2e/entity-cache.test.ts shows it).
export const MATRIX_GATEWAY_CONFIG = { subgraphTimeoutMs: 800, healthCheckIntervalMs: 0, logLevel: 'warn', entityCache: { enabled: false } } as const;

/**
 * The whole system as real processes: five REST services, five subgraphs and
 * a web gateway, each backing process behind a fault hop:
 * gateway → hop → subgraph → hop → REST service.
 */
export async function startFaultSystem(logDir: string, slowMs: number): Promise<FaultSystem> {
  const backing: Backing[] = [];
  const started: ManagedProcess[] = [];
  const proxies: FaultProxy[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((p) => p.stop()));
    await Promise.all(proxies.map((p) => p.close()));
  };

  /** Starts one backing process (tier, service) and its hop; returns the hop's URL. */
  async function back(tier: Tier, service: string, args: (port: number) => string[]): Promise<string> {
    const port = await freePort();
    const child = new ManagedProcess(`${tier}-${service}`, port, args(port), logDir);
    started.push(child);
    await child.start();
    const proxy = await startFaultProxy(child.url, slowMs);
    proxies.push(proxy);
    backing.push({ id: `${tier}-${service}`, tier, service, process: child, proxy });
    return proxy.url;
  }

  try {
    const restUrls = await Promise.all(SERVICE_NAMES.map((service) => back('rest', service, (port) => ['services/main.ts', '--service', service, '--port', String(port)])));
    const subgraphUrls = await Promise.all(
      SERVICE_NAMES.map((service, i) => back('subgraph', service, (port) => ['subgraphs/main.ts', '--subgraph', service, '--port', String(port), '--rest-url', restUrls[i]!])),
    );
    const configPath = `${tmpdir()}/faults-gateway-${process.pid}.json`;
    writeFileSync(configPath, JSON.stringify(MATRIX_GATEWAY_CONFIG));
    const port = await freePort();
    const overrides = SERVICE_NAMES.flatMap((name, i) => ['--subgraph-url', `${name}=${subgraphUrls[i]}/graphql`]);
    const gateway = new ManagedProcess('gateway-web', port, ['gateway/main.ts', '--config', configPath, '--port', String(port), ...overrides], logDir);
    started.push(gateway);
    await gateway.start();
    await gateway.waitHealthy(30_000, '/health?ready=true');
    const order = (b: Backing) => SERVICE_NAMES.indexOf(b.service as (typeof SERVICE_NAMES)[number]) + (b.tier === 'subgraph' ? 10 : 0);
    backing.sort((a, b) => order(a) - order(b));
    return { gatewayUrl: `${gateway.url}/graphql`, backing, stop: stopAll };
  } catch (error) {
    // Nothing left behind when start-up fails (a process that never became healthy).
    await stopAll();
    throw error;
  }
}
