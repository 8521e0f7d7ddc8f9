import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, statusOf } from '../common/errors.ts';
import { createFormatError } from '../common/format-error.ts';
import { createHttpServer, graphqlErrorBody, listen } from '../common/http-server.ts';
import { identityKey } from '../common/identity.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { flushTracing, startTracing } from '../common/tracing.ts';
import { DEV_JWT_SECRET } from '../common/secrets.ts';
import { createAuthenticator } from './auth.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { StorefrontGateway } from './execution/gateway.ts';
import { StorefrontDataSource, createSubgraphFetcher } from './subgraphs/data-source.ts';
import { graphqlHandler } from './http/graphql-handler.ts';
import { registerHealthRoute } from './http/health-route.ts';
import { registerMetricsRoute } from './http/metrics-route.ts';
import { loadIdeAssets } from './ide/assets.ts';
import { registerIde, type Ide } from './ide/routes.ts';
import { createMetrics } from './metrics.ts';
import { completenessPlugin } from './plugins/completeness.ts';
import { checkOptionalFields } from './degradation/check.ts';
import { createDegradation } from './degradation/degradation.ts';
import { costReportPlugin } from './admission/cost/report-plugin.ts';
import { requestLogPlugin } from './plugins/request-log.ts';
import { requestMetricsPlugin } from './plugins/request-metrics.ts';
import { startProtections } from './admission/protections.ts';
import { countingQueryPlanCache } from './subgraphs/plan-cache.ts';
import { FetchMerger } from './subgraphs/fetch-merge/merger.ts';
import { restCallsExtensionPlugin } from './plugins/rest-calls.ts';
import { SubgraphHealth } from './subgraphs/health.ts';
import { startEntityCache } from './cache/index.ts';
import { subgraphNamesOf, subgraphsOf, supergraphFromFile } from './subgraphs/supergraph-source.ts';

export const GRAPHQL_PATH = '/graphql';
/** Liveness (Apollo Router's convention); probes, the image's HEALTHCHECK and the manifests use these. */
export const LIVENESS_PATH = '/health';
/** Readiness: 200 once the supergraph is loaded, 503 while starting or draining. */
export const READINESS_PATH = '/health?ready=true';

/** Lifecycle phases; requests are served only in `ready`. */
export type GatewayPhase =
  | { readonly phase: 'starting' }
  | { readonly phase: 'ready'; readonly since: Date }
  | { readonly phase: 'draining' }
  | { readonly phase: 'stopped' };

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  readonly profile: string;
  state(): GatewayPhase;
  /** Idempotent: reports not ready, serves on for shutdownDelayMs, then refuses new requests, waits for in-flight ones (up to shutdownGraceMs) and releases everything. */
  stop(): Promise<void>;
}

/** Overrides must name subgraphs that exist: a typo would send traffic to the default URL. */
function checkOverrides(config: Readonly<GatewayConfig>) {
  return (supergraphSdl: string) => {
    const names = new Set(subgraphNamesOf(supergraphSdl));
    for (const [key, map] of [['subgraphUrls', config.subgraphUrls], ['subgraphTimeoutsMs', config.subgraphTimeoutsMs], ['degradation.optionalTimeoutsMs', config.degradation.optionalTimeoutsMs]] as const) {
      const unknown = Object.keys(map).filter((name) => !names.has(name));
      if (unknown.length > 0) throw new Error(`${key} names unknown subgraph(s) ${unknown.join(', ')}; the supergraph has ${[...names].join(', ')}`);
    }
    checkOptionalFields(supergraphSdl, config.degradation);
  };
}

export async function startGateway(config: Readonly<GatewayConfig>, logger?: Logger): Promise<RunningGateway> {
  const log = logger ?? createLogger(`gateway-${config.profile}`, config.logLevel);
  let phase: GatewayPhase = { phase: 'starting' };
  startTracing({ serviceName: `gateway-${config.profile}`, otlpEndpoint: config.otlpEndpoint, untraced: 'forward' });
  const authenticate = createAuthenticator(config.auth, {
    onProviderUnavailable: (cause) => log.warn({ err: cause, jwksUrl: config.auth.jwksUrl }, 'the identity provider\'s key set could not be read; tokens are refused with 503 until it can'),
  });
  const assertionKey = identityKey(config.identitySecret);
  // Each fetch carries its own deadline (subgraphs/data-source.ts); the pool's socket
  // timeouts are only a backstop, so they must not cut a longer per-subgraph one.
  const subgraphFetcher = createSubgraphFetcher({
    connections: config.subgraphConnections,
    timeoutMs: Math.max(config.subgraphTimeoutMs, config.requestTimeoutMs, ...Object.values(config.subgraphTimeoutsMs)),
  });
  const metrics = createMetrics(config.profile);
  // Before anything that needs closing: a missing asset package stops the start here.
  const ideAssets = config.ide ? await loadIdeAssets() : undefined;
  const protections = await startProtections(config, metrics, log);
  const entityCache = await startEntityCache(config.entityCache, { registry: metrics.registry, logger: log, exposeInExtensions: config.exposeRestCalls });

  const degradation = createDegradation(config.degradation);
  const dataSources: StorefrontDataSource[] = [];
  const merger = config.subgraphFetchMerging.enabled ? new FetchMerger({ maxWaitMs: config.subgraphFetchMerging.maxWaitMs }) : undefined;
  const gateway = new StorefrontGateway({
    supergraphSdl: supergraphFromFile({ path: config.supergraphPath, watch: config.watchSupergraph, logger: log, check: checkOverrides(config) }),
    buildService: ({ name, url }) => {
      const source = new StorefrontDataSource({ url: config.subgraphUrls[name] ?? url ?? '', fetcher: subgraphFetcher.fetcher, subgraphName: name, logger: log, timeoutMs: config.subgraphTimeoutsMs[name] ?? config.subgraphTimeoutMs, breaker: config.subgraphBreaker, metrics, degradation, merger, ...(entityCache.cache ? { cache: entityCache.cache } : {}) });
      dataSources.push(source);
      return source;
    },
    // Our store in place of the gateway's default one, to count its hits.
    queryPlannerConfig: { cache: countingQueryPlanCache(metrics.cacheLookup('query_plan')) },
    // The merger holds a fetch back only where the plan says a partner is coming.
    ...(merger ? { experimental_didResolveQueryPlan: ({ queryPlan, requestContext }) => merger.planResolved(requestContext.context, queryPlan, requestContext.request.variables) } : {}),
    logger: log,
  });
  // Admission needs the API schema and the @cost/@listSize the API schema no
  // longer carries; both are replaced together on every (hot) reload.
  const health = new SubgraphHealth({ intervalMs: config.healthCheckIntervalMs, timeoutMs: Math.min(2000, config.subgraphTimeoutMs), assertionKey, logger: log });
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    protections.schema.update(apiSchema, coreSupergraphSdl);
    if (config.healthCheckIntervalMs > 0) {
      health.watch(new Map(subgraphsOf(coreSupergraphSdl).map(({ name, url }) => [name, config.subgraphUrls[name] ?? url])));
    }
  });

  const app = createHttpServer({ logger: log, maxBodyBytes: config.maxBodyBytes, graphqlPath: GRAPHQL_PATH, component: `gateway-${config.profile}` });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    // "Did you mean …?" suggestions reveal the schema as introspection does.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    // Persisted queries are resolved before Apollo Server sees the request
    // (gateway/admission/persisted-queries); its own APQ must not run a second store.
    persistedQueries: false,
    // gateway/main.ts owns SIGTERM/SIGINT: stop() reports not ready, waits
    // shutdownDelayMs, then drains. Apollo's own handlers (on unless
    // NODE_ENV=test) would stop at once and re-raise the signal, so the
    // process died with 143 mid-drain in production.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    // Apollo's default appends '\n' to JSON.stringify's output: a cons string
    // that must be flattened (a copy of the whole answer) before it is encoded.
    stringifyResult: (result) => JSON.stringify(result),
    formatError: createFormatError({ logger: log, passUnknownCodes: true }),
    plugins: [
      fastifyApolloDrainPlugin(app),
      costReportPlugin(protections, log),
      completenessPlugin(),
      requestMetricsPlugin(metrics),
      // Last: it logs what the plugins above decided (cost, completeness).
      requestLogPlugin(log, config.profile),
      ...(config.exposeRestCalls ? [restCallsExtensionPlugin()] : []),
      ...entityCache.plugins,
      // Apollo's landing page loads Sandbox and fonts from public CDNs, so it is
      // never served: the IDE, where on, is ours (gateway/ide) and works offline.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });

  registerHealthRoute(app, { path: LIVENESS_PATH, phase: () => phase.phase, health });
  registerMetricsRoute(app, metrics);
  entityCache.registerRoutes(app);

  const ide: Ide | undefined = ideAssets
    ? registerIde(app, ideAssets, {
        profile: config.profile,
        graphqlPath: GRAPHQL_PATH,
        manifests: protections.persisted.manifests,
        ...(config.auth.jwtSecret === DEV_JWT_SECRET ? { devToken: { secret: DEV_JWT_SECRET, issuer: config.auth.issuer, audience: config.auth.audience } } : {}),
      })
    : undefined;

  // Listen before the supergraph loads so liveness answers at once; GraphQL
  // answers 503 SERVICE_UNAVAILABLE until the gateway is ready.
  let handle: ((request: FastifyRequest, reply: FastifyReply) => unknown) | undefined;
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: GRAPHQL_PATH,
    handler: (request, reply) => {
      if (ide?.wants(request)) return ide.page(reply);
      // Still served while draining: during shutdownDelayMs load balancers are
      // taking this replica out of rotation and may send a few more requests.
      if (handle && (phase.phase === 'ready' || phase.phase === 'draining')) return handle(request, reply);
      return reply
        .status(statusOf(ErrorCode.SERVICE_UNAVAILABLE))
        .header('retry-after', '1')
        .type('application/json; charset=utf-8')
        .send(graphqlErrorBody(`the gateway is ${phase.phase}`, ErrorCode.SERVICE_UNAVAILABLE));
    },
  });
  const port = await listen(app, config.host, config.port);

  try {
    await apollo.start();
  } catch (error) {
    await app.close();
    await subgraphFetcher.close();
    await protections.close();
    await entityCache.close();
    throw error;
  }
  handle = graphqlHandler({ apollo, authenticate, assertionKey, protections, batching: config.batching, profile: config.profile, requestTimeoutMs: config.requestTimeoutMs });
  phase = { phase: 'ready', since: new Date() };
  const url = `http://${config.host}:${port}${GRAPHQL_PATH}`;
  log.info({ url, profile: config.profile, supergraph: config.supergraphPath }, 'gateway ready');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    profile: config.profile,
    state: () => phase,
    stop() {
      stopping ??= (async () => {
        phase = { phase: 'draining' };
        health.stop();
        // Readiness answers 503 from here on; keep accepting until the load
        // balancers have noticed, or a request sent in between meets a closed
        // socket (what a Kubernetes preStop sleep does, inside the process).
        if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
        const force = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
        // Apollo's drain plugin closes fastify (which waits for in-flight
        // requests), then Apollo stops the gateway and its file watcher.
        await apollo.stop();
        clearTimeout(force);
        await subgraphFetcher.close();
        await protections.close();
        await entityCache.close();
        await flushTracing();
        phase = { phase: 'stopped' };
        log.info('gateway stopped');
      })();
      return stopping;
    },
  };
}
