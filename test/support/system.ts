import { createLogger } from '../../common/logger.ts';
import { mintDevToken } from '../../common/dev-token.ts';
import { parseGatewayConfig, type GatewayConfig } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { SERVICE_NAMES, startRestService, type RestServiceHandle, type ServiceName } from '../../services/server.ts';
import { parseSubgraphConfig, type SubgraphName } from '../../subgraphs/shared/config.ts';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { SUBGRAPHS } from '../../subgraphs/registry.ts';

/**
 * The whole request path on ephemeral ports, in this process but over real
 * HTTP: gateway → five subgraphs → five REST services. Nothing is mocked.
 */
export interface System {
  readonly rest: Record<ServiceName, RestServiceHandle>;
  readonly subgraphs: Record<SubgraphName, RunningSubgraph>;
  readonly gateway: RunningGateway;
  /** POSTs a GraphQL request to the gateway. */
  graphql(body: GraphQLBody, options?: { token?: string; headers?: Record<string, string> }): Promise<GraphQLResponse>;
  /** Clears every REST service's call record. */
  resetCalls(): void;
  /** Empties the gateway's entity cache (POST /cache/invalidate of every subgraph's tag), for tests of the cold fetch path. */
  purgeCache(): Promise<void>;
  stop(): Promise<void>;
}

export interface GraphQLBody {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

export const silentLogger = createLogger('test', 'silent');

export async function startRestServices(): Promise<Record<ServiceName, RestServiceHandle>> {
  const entries = await Promise.all(SERVICE_NAMES.map(async (name) => [name, await startRestService({ service: name, port: 0 })] as const));
  return Object.fromEntries(entries) as Record<ServiceName, RestServiceHandle>;
}

export async function startSubgraphs(rest: Record<ServiceName, { url: string }>, overrides: Record<string, unknown> = {}): Promise<Record<SubgraphName, RunningSubgraph>> {
  const entries = await Promise.all(
    (Object.keys(SUBGRAPHS) as SubgraphName[]).map(async (name) => {
      const config = parseSubgraphConfig({ subgraph: name, port: 0, restUrl: rest[name].url, logLevel: 'silent', ...overrides });
      return [name, await startSubgraph(SUBGRAPHS[name], config, silentLogger)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<SubgraphName, RunningSubgraph>;
}

/** The invalidation endpoint's secret in test systems. */
export const TEST_CACHE_SECRET = 'test-cache-invalidation-secret-0123456789';

/** POSTs to a gateway's invalidation endpoint; `secret: null` sends none. */
export async function invalidateCache(graphqlUrl: string, body: unknown, secret: string | null = TEST_CACHE_SECRET): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/cache/invalidate', graphqlUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function gatewayConfigFor(subgraphs: Record<string, { url: string }>, overrides: Record<string, unknown> = {}): Readonly<GatewayConfig> {
  return parseGatewayConfig({
    port: 0,
    logLevel: 'silent',
    exposeRestCalls: true,
    watchSupergraph: false,
    subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])),
    // The 300 ms default budget of optional data is a production figure: a
    // cold process on the shared 2-core test machine can spend longer on its
    // first fetches, and a functional test must not turn on that. Tests of
    // budgets set their own (test/e2e/time-budgets.test.ts).
    degradation: { optionalTimeoutMs: 2000 },
    entityCache: { invalidation: { secret: TEST_CACHE_SECRET } },
    ...overrides,
  });
}

export async function postGraphQL(url: string, body: unknown, options: { token?: string; headers?: Record<string, string> } = {}): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: GraphQLResponse['body'];
  try {
    parsed = JSON.parse(text) as GraphQLResponse['body'];
  } catch {
    throw new Error(`gateway answered HTTP ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export async function startSystem(options: { gateway?: Record<string, unknown> } = {}): Promise<System> {
  let rest: Record<ServiceName, RestServiceHandle> | undefined;
  let subgraphs: Record<SubgraphName, RunningSubgraph> | undefined;
  let gateway: RunningGateway | undefined;
  const stop = async () => {
    await gateway?.stop();
    await Promise.all(Object.values(subgraphs ?? {}).map((s) => s.stop()));
    await Promise.all(Object.values(rest ?? {}).map((s) => s.close()));
  };
  try {
    rest = await startRestServices();
    subgraphs = await startSubgraphs(rest);
    gateway = await startGateway(gatewayConfigFor(subgraphs, options.gateway), silentLogger);
  } catch (error) {
    // Whatever did start is stopped here: the caller's after-hook has no handle on it.
    await stop();
    throw error;
  }
  const running = { rest, subgraphs, gateway };
  return {
    ...running,
    graphql: (body, requestOptions) => postGraphQL(running.gateway.url, body, requestOptions),
    resetCalls: () => Object.values(running.rest).forEach((service) => service.resetCalls()),
    async purgeCache() {
      const purged = await invalidateCache(running.gateway.url, { tags: Object.keys(SUBGRAPHS).map((name) => `subgraph:${name}`) });
      if (purged.status !== 200) throw new Error(`cache purge answered ${purged.status}: ${JSON.stringify(purged.body)}`);
    },
    stop,
  };
}

export const tokenFor = (userId: string) => mintDevToken(userId);
