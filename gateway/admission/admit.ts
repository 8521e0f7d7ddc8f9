import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Identity } from '../../common/identity.ts';
import { ErrorCode } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import { estimateCost, type CostDirectives } from './cost/index.ts';
import { checkOperation, checkPreParse, type LimitPolicy, type LimitViolation } from './limits/limits.ts';
import type { BucketPolicy } from './budget/leaky-bucket.ts';
import type { BucketStore } from './budget/store.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { PERSISTED_QUERY_ERROR_CACHE_CONTROL, describeValue } from './persisted-queries/reject.ts';
import { toGraphQLRequestBody, type HttpGraphQLInput } from './persisted-queries/request.ts';
import type { PersistedQueries } from './persisted-queries/runtime.ts';
import type { CostConfig } from './cost/config.ts';
import { VALIDATION_COMPARISON_BUDGET, type DocumentCache } from './document-cache.ts';
import { throttleStatus, type Admission, type GraphQLRequestBody } from './outcome.ts';
import { reject, type Rejection } from './rejection.ts';
import type { SchemaState } from './schema-state.ts';

export interface Protections {
  readonly limits: LimitPolicy;
  readonly persisted: PersistedQueries;
  readonly cost: CostConfig;
  readonly budgets: BucketStore;
  readonly schema: SchemaState<{ cache: DocumentCache; directives: CostDirectives }>;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

export interface Caller {
  readonly identity: Identity;
  readonly clientKey: string;
  /** `apollographql-client-name`, else the profile: for audit logs. */
  readonly clientName: string;
  readonly requestId: string;
}

/**
 * Admission of one GraphQL operation, before Apollo Server parses it:
 * persisted-query decision → size and token limits → (cached) parse and shape
 * limits → validation → cost maximum → budget. Each step either passes, or
 * refuses with a catalogue code; in `measure` mode a violation is logged and
 * counted and the operation goes on. Documents that do not parse (except those
 * nested too deeply to parse safely) or validate are passed to Apollo Server
 * untouched, which answers them with its own codes.
 */
export async function admitOperation(p: Protections, input: HttpGraphQLInput, caller: Caller): Promise<Admission> {
  const snapshot = p.schema.current;
  if (!snapshot) return reject(ErrorCode.SERVICE_UNAVAILABLE, 'the gateway has no schema loaded yet', { headers: { 'retry-after': '1' } });

  const handled = await p.persisted.handle(input, caller.clientName);
  if (handled.kind === 'reject') {
    p.metrics.persistedQueries.inc({ outcome: handled.code });
    return { ...handled, headers: { ...handled.headers, 'cache-control': PERSISTED_QUERY_ERROR_CACHE_CONTROL } };
  }
  p.metrics.persistedQueries.inc({ outcome: handled.outcome.via });
  const { request, outcome } = handled;
  const body = toGraphQLRequestBody(request, outcome.query);
  const label = outcome.via === 'manifest' && outcome.operation ? outcome.operation.name : 'unlisted';

  const cached = snapshot.derived.cache.lookup(outcome.query);
  const preParse = limitRejection(p, checkPreParse(outcome.query, p.limits, cached.tokens), caller);
  if (preParse) return preParse;

  const analysis = cached.analysis();
  if (analysis.kind === 'unparsable') {
    // Apollo Server's parser is recursive and unbounded: handed a document nested past
    // MAX_PARSER_NESTING it parses one no limit or cost was measured on (a 600-level
    // relatedProducts chain would execute) or overflows its stack. Refuse it here.
    if (analysis.reason === 'tooDeeplyNested') return reject(ErrorCode.GRAPHQL_PARSE_FAILED, analysis.message);
    return { kind: 'admit', body, cost: null, operation: label };
  }
  const shape = limitRejection(p, checkOperation(analysis.metrics(request.operationName), p.limits), caller);
  if (shape) return shape;
  if (!analysis.isValid()) {
    const aborted = analysis.abortedValidation();
    if (!aborted) return { kind: 'admit', body, cost: null, operation: label };
    // Apollo Server would answer graphql-js's bare "Validation aborted.", which tells the client nothing.
    return reject(
      ErrorCode.MAX_VALIDATION_COMPLEXITY_LIMIT,
      `The document repeats fields too often to be validated: checking that its ${aborted.fieldSelections} field selections can be merged takes more than ${VALIDATION_COMPARISON_BUDGET} comparisons of fields with the same response name (the validator's limit). Select each field once per selection set.`,
      { extensions: { validation: { fieldSelections: aborted.fieldSelections, maxComparisons: VALIDATION_COMPARISON_BUDGET } } },
    );
  }

  const operation = selectedOperation(analysis.document, request.operationName);
  if (!operation) {
    // Left to Apollo Gateway, this is an INVALID_GRAPHQL thrown while planning, which Apollo Server answers with HTTP 500.
    const message = request.operationName === undefined
      ? 'Must provide operation name if query contains multiple operations.'
      : `Unknown operation named ${describeValue(request.operationName)}.`;
    return reject(ErrorCode.OPERATION_RESOLUTION_FAILURE, message);
  }
  // graphql-js 16 validates `subscription { … }` against a schema without that root type (its
  // KnownOperationTypes rule comes in 17); Apollo Gateway then throws INVALID_GRAPHQL, an HTTP 500.
  if (!snapshot.apiSchema.getRootType(operation.operation)) {
    return reject(ErrorCode.GRAPHQL_VALIDATION_FAILED, `The ${operation.operation} operation is not supported by the schema.`);
  }
  if (input.method === 'GET' && operation.operation === 'mutation') {
    return reject(ErrorCode.BAD_REQUEST, 'mutations cannot be sent over GET: use POST', { status: 405, headers: { allow: 'POST' } });
  }
  const operationName = request.operationName ?? null;
  const variables = request.variables as Record<string, unknown> | undefined;
  const estimated = analysis.costs.estimate(operationName, variables, (onVariableRead) =>
    estimateCost(snapshot.apiSchema, snapshot.derived.directives, analysis.document, { operationName, variables, defaultListSize: p.cost.defaultListSize, onVariableRead }),
  );
  const { maxCost, maxCostMode } = p.cost;
  if (maxCost !== null && estimated > maxCost) {
    p.metrics.costRejections.inc({ reason: 'max_cost', mode: maxCostMode });
    p.logger.warn({ requestId: caller.requestId, operationName: request.operationName ?? null, estimated, max: maxCost, mode: maxCostMode }, 'operation over the maximum cost');
    if (maxCostMode === 'enforce') {
      return reject(ErrorCode.COST_ESTIMATED_TOO_EXPENSIVE, `The operation's estimated cost ${estimated} exceeds the maximum of ${maxCost}`, { extensions: { cost: { estimated, max: maxCost } } });
    }
  }
  // Registered only once nothing about the operation itself refuses it: a
  // refused document stored under its hash would be served (and refused)
  // again by hash, and fill the store for nothing. A throttled client is
  // refused for its budget, not the operation, so registering stays.
  if (outcome.register) await p.persisted.register(outcome.register);
  return charge(p, estimated, caller, body, label);
}

async function charge(p: Protections, estimated: number, caller: Caller, body: GraphQLRequestBody, operation: string): Promise<Admission> {
  const { budget } = p.cost;
  if (!budget.enabled) return { kind: 'admit', body, operation, cost: { estimated, clientKey: caller.clientKey, charged: false, policy: null, currentlyAvailable: null } };
  const policy: BucketPolicy = { maximumAvailable: budget.maximumAvailable, restoreRatePerSecond: budget.restoreRatePerSecond };
  const taken = await p.budgets.take(caller.clientKey, estimated, policy);
  p.metrics.budgetBackend.set(p.budgets.backend() === 'redis' ? 1 : 0);
  if (taken.allowed) return { kind: 'admit', body, operation, cost: { estimated, clientKey: caller.clientKey, charged: true, policy, currentlyAvailable: taken.currentlyAvailable } };

  p.metrics.costRejections.inc({ reason: 'throttled', mode: budget.mode });
  p.logger.warn({ requestId: caller.requestId, client: caller.clientKey, estimated, available: Math.floor(taken.currentlyAvailable), mode: budget.mode }, 'client over its cost budget');
  if (budget.mode === 'measure') return { kind: 'admit', body, operation, cost: { estimated, clientKey: caller.clientKey, charged: false, policy, currentlyAvailable: taken.currentlyAvailable } };
  const retryAfterSeconds = Number.isFinite(taken.retryAfterMs) ? Math.max(1, Math.ceil(taken.retryAfterMs / 1000)) : 3600;
  return reject(
    ErrorCode.THROTTLED,
    `Throttled: this operation costs ${estimated} and ${Math.floor(taken.currentlyAvailable)} of ${policy.maximumAvailable} points are available; retry in ${retryAfterSeconds} s`,
    {
      headers: { 'retry-after': String(retryAfterSeconds) },
      responseExtensions: { cost: { requestedQueryCost: estimated, actualQueryCost: null, throttleStatus: throttleStatus(policy, taken.currentlyAvailable) } },
    },
  );
}

/**
 * Gives back the whole estimate an admitted operation took from its client's
 * budget, for an operation that will not run after all: the earlier
 * operations of a batch whose later one was refused. (An operation that runs
 * is refunded estimate minus actual by the cost-report plugin instead.)
 */
export async function refundAdmission(p: Protections, admission: Admission): Promise<void> {
  if (admission.kind !== 'admit' || !admission.cost?.charged || !admission.cost.policy) return;
  await p.budgets.refund(admission.cost.clientKey, admission.cost.estimated, admission.cost.policy);
}

/** Logs and counts every violation; refuses on the first one in enforce mode. */
function limitRejection(p: Protections, violations: readonly LimitViolation[], caller: Caller): Rejection | undefined {
  for (const v of violations) {
    p.metrics.limitViolations.inc({ limit: v.limit, mode: v.mode });
    p.logger.warn({ requestId: caller.requestId, limit: v.limit, measured: v.measured, max: v.max, mode: v.mode }, 'operation limit exceeded');
  }
  const enforced = violations.find((v) => v.mode === 'enforce');
  if (!enforced) return undefined;
  return reject(enforced.code, enforced.message, { extensions: { limit: { name: enforced.limit, measured: enforced.measured, max: enforced.max } } });
}

/** The operation Apollo Server will run (as graphql-js getOperationAST picks it), or undefined when none is picked. */
function selectedOperation(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  return operationName === undefined ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
}
