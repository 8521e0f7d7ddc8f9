import { createHash } from 'node:crypto';
import { ApolloGateway, buildOperationContext, type Experimental_DidResolveQueryPlanCallback, type GatewayConfig, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import { prettyFormatQueryPlan, type QueryPlan, type QueryPlanner } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import type { OperationContext } from '@apollo/gateway/dist/operationContext.js';
import { operationContextSpanAttributes, requestContextSpanAttributes, type OpenTelemetryConfig } from '@apollo/gateway/dist/utilities/opentelemetry.js';
import type { Span } from '@opentelemetry/api';
import { tracingContextActive } from '../../common/tracing.ts';
import { prepare } from './prepared.ts';
import { runPlan } from './run-plan.ts';
import { failSpan, inSpan, inSpanSync, SpanName, type Spans } from './spans.ts';

/**
 * The members of ApolloGateway (2.14.4, pinned) that its executor uses. They
 * are `private` in its types, and the executor is one closure over them, so
 * replacing the part that runs the plan means reading them here.
 */
interface ApolloGatewayInternals {
  readonly schema?: GraphQLSchema;
  readonly apiSchema?: Schema;
  readonly supergraphSchema?: GraphQLSchema;
  readonly serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
  readonly queryPlanStore: { get(key: string): Promise<QueryPlan | undefined>; set(key: string, plan: QueryPlan): Promise<void> };
  readonly queryPlanner?: QueryPlanner;
  readonly recursiveSelectionsLimitDisabled: boolean;
  readonly nonLocalSelectionsLimitDisabled: boolean;
  readonly experimental_didResolveQueryPlan?: Experimental_DidResolveQueryPlanCallback;
  readonly config: { readonly __exposeQueryPlanExperimental?: boolean; readonly debug?: boolean; readonly telemetry?: OpenTelemetryConfig };
  readonly logger: { debug(message: string): void; warn(message: string): void };
  validateIncomingRequest(requestContext: GatewayGraphQLRequestContext, operationContext: OperationContext): GraphQLError[];
}

type Executor = (requestContext: GatewayGraphQLRequestContext) => Promise<GatewayExecutionResult>;

/**
 * Apollo Gateway with our query-plan executor (run-plan.ts, shape.ts) in place
 * of Apollo's `executeQueryPlan`. Everything around the run is Apollo's as it
 * is: the plan cache and its keys, variable validation, the planner,
 * `experimental_didResolveQueryPlan`, the experimental query-plan header.
 *
 * With tracing on (common/tracing.ts), ours makes the OpenTelemetry spans
 * Apollo's makes (spans.ts). A request with usage-reporting traces to capture
 * (Apollo Studio's ftv1 trace nodes) goes through Apollo's executor unchanged:
 * ours makes no trace nodes.
 */
export class StorefrontGateway extends ApolloGateway {
  constructor(config?: GatewayConfig) {
    super(config);
    const apollo: Executor = this.executor;
    const ours = storefrontExecutor(this as unknown as ApolloGatewayInternals);
    this.executor = (requestContext) => (requestContext.metrics?.captureTraces ? apollo(requestContext) : ours(requestContext));
  }
}

/** What a request needs before its plan lookup, the same for every request of one parsed document, operation and schema. */
interface Lookup {
  readonly schema: GraphQLSchema;
  readonly queryPlanStoreKey: string;
  readonly operationContext: OperationContext;
}

function storefrontExecutor(gateway: ApolloGatewayInternals): Executor {
  // Apollo Server hands the same DocumentNode to every request of one cached query text.
  const lookups = new WeakMap<DocumentNode, Map<string, Lookup>>();
  const lookupOf = ({ request, document, queryHash }: GatewayGraphQLRequestContext): Lookup => {
    let byName = lookups.get(document);
    if (!byName) lookups.set(document, (byName = new Map()));
    const name = request.operationName ?? '';
    const known = byName.get(name);
    if (known && known.schema === gateway.schema) return known;
    const lookup: Lookup = {
      schema: gateway.schema!,
      queryPlanStoreKey: request.operationName ? createHash('sha256').update(queryHash).update(request.operationName).digest('hex') : queryHash,
      // Throws for an unknown operation name, as in Apollo's executor (and is then not remembered).
      operationContext: buildOperationContext({ schema: gateway.schema!, operationDocument: document, operationName: request.operationName }),
    };
    // Bounded by the operations a document defines (any other name throws above).
    byName.set(name, lookup);
    return lookup;
  };
  /** Apollo's executor, less its plan run; `spans` and `span` (gateway.request) when tracing is on. */
  const execute = async (requestContext: GatewayGraphQLRequestContext, spans?: Spans, span?: Span): Promise<GatewayExecutionResult> => {
    const { request, document } = requestContext;
    const { queryPlanStoreKey, operationContext } = lookupOf(requestContext);
    span?.setAttributes(operationContextSpanAttributes(operationContext));
    const validationErrors = gateway.validateIncomingRequest(requestContext, operationContext);
    if (validationErrors.length > 0) {
      if (spans && span) failSpan(spans, span, validationErrors);
      return { errors: validationErrors };
    }

    let queryPlan = await gateway.queryPlanStore.get(queryPlanStoreKey);
    if (!queryPlan) {
      const plan = () => {
        const operation = operationFromDocument(gateway.apiSchema!, document, { operationName: request.operationName });
        return gateway.queryPlanner!.buildQueryPlan(operation, {
          recursiveSelectionsLimitDisabled: gateway.recursiveSelectionsLimitDisabled,
          nonLocalSelectionsLimitDisabled: gateway.nonLocalSelectionsLimitDisabled,
        });
      };
      queryPlan = spans ? inSpanSync(spans, SpanName.PLAN, request.operationName ? { 'graphql.operation.name': request.operationName } : {}, plan) : plan();
      try {
        await gateway.queryPlanStore.set(queryPlanStoreKey, queryPlan);
      } catch (error) {
        gateway.logger.warn('Could not store queryPlan' + (((error as Error | undefined)?.message) || String(error)));
      }
    }
    const serviceMap: ServiceMap = Object.create(null) as ServiceMap;
    for (const [name, { dataSource }] of Object.entries(gateway.serviceMap)) serviceMap[name] = dataSource;
    gateway.experimental_didResolveQueryPlan?.({ queryPlan, serviceMap, requestContext, operationContext });

    const prepared = prepare(queryPlan, gateway.apiSchema!, operationContext);
    const response = await runPlan(queryPlan, prepared, serviceMap, requestContext, operationContext, gateway.supergraphSchema!, spans);
    exposeQueryPlan(gateway, requestContext, queryPlan, response);
    if (spans && span && response.errors) failSpan(spans, span, response.errors);
    return response;
  };
  return (requestContext) => {
    if (!tracingContextActive()) return execute(requestContext);
    const spans: Spans = { config: gateway.config.telemetry };
    return inSpan(spans, SpanName.REQUEST, requestContextSpanAttributes(requestContext, spans.config), (span) => execute(requestContext, spans, span));
  };
}

/** Apollo's `Apollo-Query-Plan-Experimental` request header (on outside production by default) and debug logging of plans. */
function exposeQueryPlan(gateway: ApolloGatewayInternals, { request }: GatewayGraphQLRequestContext, queryPlan: QueryPlan, response: GatewayExecutionResult): void {
  const headers = request.http?.headers;
  const shouldShow = gateway.config.__exposeQueryPlanExperimental && headers?.get('Apollo-Query-Plan-Experimental');
  if (!gateway.config.debug && !shouldShow) return;
  const serialized = queryPlan.node ? prettyFormatQueryPlan(queryPlan) : null;
  if (gateway.config.debug && serialized) gateway.logger.debug(serialized);
  if (!shouldShow) return;
  const format = headers?.has('Apollo-Query-Plan-Experimental-Format') ? headers.get('Apollo-Query-Plan-Experimental-Format') : 'prettified';
  (response as { extensions?: Record<string, unknown> }).extensions = {
    __queryPlanExperimental: format === 'prettified' ? serialized || true : format === 'internal' ? queryPlan : true,
  };
}
