import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { parse } from 'graphql';
import { DEADLINE_HEADER, deadlineBudgetMs } from '../../common/upstream/deadline.ts';
import { ErrorCode, requestError } from '../../common/errors.ts';
import { createFormatError } from '../../common/format-error.ts';
import { createHttpServer, listen } from '../../common/http-server.ts';
import { IDEMPOTENCY_KEY_HEADER } from '../../common/idempotency.ts';
import { IdentityAssertionError, identityKey, verifyIdentityAssertion } from '../../common/identity.ts';
import { IDENTITY_HEADER } from '../../common/upstream/wire.ts';
import { createLogger, type Logger } from '../../common/logger.ts';
import { flushTracing, startTracing } from '../../common/tracing.ts';
import { CallRecorder } from '../../common/upstream/call-recorder.ts';
import type { SubgraphConfig, SubgraphName } from './config.ts';
import type { RestFetch, SubgraphContext } from './context.ts';
import { RestClient } from './rest-client.ts';
import { createSubgraphMetrics, type LoaderObservers } from './metrics.ts';
import { restCallsPlugin } from './rest-calls-plugin.ts';
import { fallbacksPlugin } from './fallbacks-plugin.ts';
import { withFallbacks, type FallbackDeclarations } from './fallbacks.ts';

/** What each subgraph folder exports: its SDL, resolvers and per-request loaders. */
export interface SubgraphDefinition<Loaders> {
  readonly name: SubgraphName;
  readonly schemaUrl: URL;
  readonly resolvers: GraphQLResolverMap<SubgraphContext<Loaders>>;
  /** `observers` counts each loader's cache hits per batch route (pass it to batchLoader). */
  readonly createLoaders: (rest: RestFetch, observers: LoaderObservers) => Loaders;
  /** Optional fields and the value each answers when its upstream fails (e.g. promotions → []). */
  readonly fallbacks?: FallbackDeclarations;
}

export interface RunningSubgraph {
  readonly name: SubgraphName;
  /** e.g. http://127.0.0.1:4202/graphql — the real port even when configured with 0. */
  readonly url: string;
  readonly port: number;
  /** Idempotent: drains in-flight requests, then closes the REST pool. */
  stop(): Promise<void>;
}

export const GRAPHQL_PATH = '/graphql';

export async function startSubgraph<L>(definition: SubgraphDefinition<L>, config: Readonly<SubgraphConfig>, logger?: Logger): Promise<RunningSubgraph> {
  const log = logger ?? createLogger(`subgraph-${definition.name}`, config.logLevel);
  startTracing({ serviceName: `subgraph-${definition.name}`, otlpEndpoint: config.otlpEndpoint });
  const typeDefs = parse(readFileSync(definition.schemaUrl, 'utf8'));
  const resolvers = definition.fallbacks ? withFallbacks(definition.resolvers, definition.fallbacks) : definition.resolvers;
  const schema = buildSubgraphSchema([{ typeDefs, resolvers }]);
  const rest = new RestClient({
    service: definition.name,
    baseUrl: config.restUrl,
    timeoutMs: config.restTimeoutMs,
    connections: config.restConnections,
    breaker: config.restBreaker,
    retry: config.restRetry,
    logger: log,
  });
  const metrics = createSubgraphMetrics(definition.name, definition.name, () => rest.breakerState());
  rest.observer = metrics.observer;
  const key = identityKey(config.identitySecret);

  const app = createHttpServer({ logger: log, maxBodyBytes: config.maxBodyBytes, graphqlPath: GRAPHQL_PATH, component: `subgraph-${definition.name}` });
  const apollo = new ApolloServer<SubgraphContext<L>>({
    schema,
    includeStacktraceInErrorResponses: false,
    // Subgraphs are reached through the gateway only; no landing page, no CSRF
    // preflight needed for the gateway's JSON POSTs.
    // Inline traces (ftv1) feed Apollo's hosted usage reporting, which this
    // gateway does not use; they would only add work to every fetch.
    plugins: [fastifyApolloDrainPlugin(app), restCallsPlugin<L>(), fallbacksPlugin<L>(), ApolloServerPluginInlineTraceDisabled()],
    formatError: createFormatError({ logger: log, passUnknownCodes: false }),
  });
  await apollo.start();

  app.get('/health', async () => ({ status: 'ok', subgraph: definition.name }));
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: GRAPHQL_PATH,
    handler: fastifyApolloHandler(apollo, {
      context: async (request) => {
        let identity;
        try {
          identity = await verifyIdentityAssertion(key, headerValue(request.headers[IDENTITY_HEADER]));
        } catch (error) {
          if (!(error instanceof IdentityAssertionError)) throw error;
          request.log.warn({ reason: error.message }, 'refused request without a valid gateway identity');
          throw requestError(ErrorCode.UNAUTHENTICATED, 'This service only accepts requests from the gateway');
        }
        // The gateways' readiness probes (`query __ApolloServiceHealthCheck__ { __typename }`) are not plan fetches.
        if (!String((request.body as { query?: unknown } | undefined)?.query ?? '').includes('__ApolloServiceHealthCheck__')) metrics.graphqlRequests.inc();
        const recorder = new CallRecorder();
        const requestId = String(request.id);
        const deadlineAt = performance.now() + deadlineBudgetMs(request.headers[DEADLINE_HEADER], config.requestTimeoutMs);
        const fetch: RestFetch = (call) => rest.call(call, { recorder, requestId, deadlineAt });
        // Passed on as sent: the REST service validates it (400 when malformed), never silently dropped.
        const idempotencyKey = headerValue(request.headers[IDEMPOTENCY_KEY_HEADER]);
        return { identity, requestId, deadlineAt, recorder, rest: fetch, loaders: definition.createLoaders(fetch, metrics.loaders), fallbacks: [], ...(idempotencyKey ? { idempotency: { key: idempotencyKey, writes: 0 } } : {}) };
      },
    }),
  });

  const port = await listen(app, config.host, config.port);
  log.info({ url: `http://${config.host}:${port}${GRAPHQL_PATH}` }, 'subgraph ready');

  let stopping: Promise<void> | undefined;
  return {
    name: definition.name,
    url: `http://${config.host}:${port}${GRAPHQL_PATH}`,
    port,
    stop() {
      stopping ??= (async () => {
        // Apollo's drain plugin closes fastify, waiting for in-flight requests.
        await apollo.stop();
        await rest.close();
        await flushTracing();
      })();
      return stopping;
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
