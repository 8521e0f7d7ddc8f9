import type { GraphQLDataSource, ServiceMap } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types.js';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites.js';
import { generateHydratedPaths } from '@apollo/gateway/dist/executeQueryPlan.js';
import type { OperationContext } from '@apollo/gateway/dist/operationContext.js';
import { assert, ERRORS, errorCodeDef, type Selection } from '@apollo/federation-internals';
import { evaluateCondition, getResponseName, type FetchNode, type PlanNode, type QueryPlan, type QueryPlanSelectionNode, type ResponsePath } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { executeSync, GraphQLError, Kind, OperationTypeNode, visit, type DocumentNode, type FieldNode, type GraphQLSchema, type VariableDefinitionNode } from 'graphql';
import type { Prepared } from './prepared.ts';
import type { Span } from '@opentelemetry/api';
import { failSpan, inSpan, SpanName, type Spans } from './spans.ts';

/**
 * Runs a query plan: Apollo's `executeQueryPlan` (@apollo/gateway
 * executeQueryPlan.js), step for step — Sequence, Parallel, Flatten, Fetch,
 * Condition; representations from `requires`, rewrites, merging, error paths
 * re-rooted under the client's path — without usage-reporting trace nodes (a
 * protobuf object per plan node; the gateway sends a request with traces
 * captured through Apollo's executor instead: gateway.ts). With tracing on
 * (`spans`), the same OpenTelemetry spans as Apollo's: gateway.execute, a
 * gateway.fetch per fetch, gateway.postprocessing (spans.ts).
 * Result shaping is ours, compiled once per operation (shape.ts); the federation
 * operation it needs is built once per plan (prepared.ts), not per request.
 *
 * Hazard: this follows @apollo/gateway 2.14.4 (pinned); its helpers are
 * imported from its dist files. test/unit/execution-differential.test.ts
 * compares both executors' answers over a corpus of federation shapes.
 */

interface Cursor {
  readonly path: ResponsePath;
  readonly data: unknown;
  readonly fullResult: Record<string, unknown>;
}

interface Execution {
  readonly plan: QueryPlan;
  readonly prepared: Exclude<Prepared, { error: unknown }>;
  readonly serviceMap: ServiceMap;
  readonly requestContext: GatewayGraphQLRequestContext;
  readonly supergraphSchema: GraphQLSchema;
  readonly errors: GraphQLError[];
  readonly spans: Spans | undefined;
}

type Data = Record<string, unknown>;

export function runPlan(plan: QueryPlan, prepared: Prepared, serviceMap: ServiceMap, requestContext: GatewayGraphQLRequestContext, operationContext: OperationContext, supergraphSchema: GraphQLSchema, spans?: Spans): Promise<GatewayExecutionResult> {
  if (!spans) return run(plan, prepared, serviceMap, requestContext, operationContext, supergraphSchema, undefined);
  return inSpan(spans, SpanName.EXECUTE, {}, async (span) => {
    // Apollo returns this one without failing the span.
    if ('error' in prepared) return { errors: [prepared.error] };
    const result = await run(plan, prepared, serviceMap, requestContext, operationContext, supergraphSchema, spans);
    if (result.errors) failSpan(spans, span, result.errors);
    return result;
  });
}

async function run(plan: QueryPlan, prepared: Prepared, serviceMap: ServiceMap, requestContext: GatewayGraphQLRequestContext, operationContext: OperationContext, supergraphSchema: GraphQLSchema, spans: Spans | undefined): Promise<GatewayExecutionResult> {
  if ('error' in prepared) return { errors: [prepared.error] };
  const errors: GraphQLError[] = [];
  const execution: Execution = { plan, prepared, serviceMap, requestContext, supergraphSchema, errors, spans };
  const unfilteredData = Object.create(null) as Data;
  if (plan.node?.kind === 'Subscription') throw new Error('Execution of subscriptions not supported by gateway');
  if (plan.node) await executeNode(execution, plan.node, { path: [], data: unfilteredData, fullResult: unfilteredData });
  if (!spans) return postProcess(execution, unfilteredData, operationContext, undefined);
  return inSpan(spans, SpanName.POST_PROCESSING, {}, async (span) => postProcess(execution, unfilteredData, operationContext, span));
}

/** Result shaping and the response's errors: Apollo's post-processing step (the span, if any, is gateway.postprocessing). */
function postProcess({ prepared, requestContext, errors, spans }: Execution, unfilteredData: Data, operationContext: OperationContext, span: Span | undefined): GatewayExecutionResult {
  const variables = requestContext.request.variables;
  let data: Data | null;
  try {
    let postProcessingErrors: GraphQLError[];
    ({ data, errors: postProcessingErrors } = prepared.shaper.shape(unfilteredData, variables, (selection) => executeIntrospection(operationContext, selection, variables)));
    if (errors.length === 0 && postProcessingErrors.length > 0) {
      if (spans && span) failSpan(spans, span, postProcessingErrors);
      return { extensions: { valueCompletion: postProcessingErrors }, data };
    }
  } catch (error) {
    if (spans && span) failSpan(spans, span, [error as Error]);
    if (error instanceof GraphQLError) return { errors: [error] };
    if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
    (requestContext.logger || console).error(`Unexpected error during query plan execution: ${String(error)}`);
    return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
  }
  return errors.length === 0 ? { data } : { errors, data };
}

async function executeNode(execution: Execution, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(execution, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(execution, child, cursor)));
      return;
    case 'Flatten':
      return executeNode(execution, node.node, moveIntoCursor(cursor, node.path));
    case 'Fetch':
      try {
        const { spans } = execution;
        await (spans ? inSpan(spans, SpanName.FETCH, { service: node.serviceName }, () => executeFetch(execution, node, cursor)) : executeFetch(execution, node, cursor));
      } catch (error) {
        execution.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const picked = evaluateCondition(node, execution.prepared.operation.variableDefinitions, execution.requestContext.request.variables) ? node.ifClause : node.elseClause;
      if (picked) await executeNode(execution, picked, cursor);
      return;
    }
    case 'Defer':
      assert(false, '@defer support is not available in the gateway');
  }
}

async function executeFetch(execution: Execution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = execution.serviceMap[fetch.serviceName];
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities: Data[] = Array.isArray(cursor.data) ? (cursor.data as (Data | null | undefined)[]).filter((e): e is Data => e !== null && e !== undefined) : [cursor.data as Data];
  if (entities.length < 1) return;
  const variables = Object.create(null) as Record<string, unknown>;
  const provided = execution.requestContext.request.variables;
  for (const name of fetch.variableUsages ?? []) {
    if (provided && Object.hasOwn(provided, name) && typeof provided[name] !== 'undefined') variables[name] = provided[name];
  }
  if (!fetch.requires) {
    const received = await sendOperation(execution, service, fetch, cursor, variables);
    if (received) applyRewrites(execution.supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }
  const representations: Data[] = [];
  const representationToEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = executeSelectionSet(execution.supergraphSchema, entity, fetch.requires!);
    if (representation && representation['__typename']) {
      applyRewrites(execution.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      representationToEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  const received = await sendOperation(execution, service, fetch, cursor, { ...variables, representations });
  if (!received) return;
  const receivedEntities = received['_entities'];
  if (!(receivedEntities && Array.isArray(receivedEntities))) throw new Error(`Expected "data._entities" in response to be an array`);
  if (receivedEntities.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  // Apollo's loop runs over `entities` (not the representations): kept as is, answers must match.
  for (let i = 0; i < entities.length; i++) {
    const receivedEntity = receivedEntities[i] as Data | null | undefined;
    const existingEntity = entities[representationToEntity[i]!] as Data;
    if (receivedEntity && !receivedEntity['__typename']) receivedEntity['__typename'] = existingEntity['__typename'];
    applyRewrites(execution.supergraphSchema, fetch.outputRewrites, receivedEntity as Data);
    deepMerge(entities[representationToEntity[i]!] as Data, receivedEntity);
  }
}

async function sendOperation(execution: Execution, service: GraphQLDataSource, fetch: FetchNode, cursor: Cursor, variables: Record<string, unknown>): Promise<Data | null | undefined> {
  const { requestContext } = execution;
  const response = await service.process({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query: fetch.operation, variables, operationName: fetch.operationName, http: undefined },
    incomingRequestContext: requestContext,
    context: requestContext.context,
    document: fetch.operationDocumentNode,
    pathInIncomingRequest: cursor.path,
  });
  if (response.errors) {
    const errorPath = lazyErrorPaths(fetch, cursor);
    execution.errors.push(...response.errors.map((error) => downstreamServiceError(error, fetch.serviceName, errorPath)));
    if (!response.extensions?.['ftv1']) {
      const errorPaths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
      const metrics = requestContext.metrics as { nonFtv1ErrorPaths?: { subgraph: string; path: unknown }[] };
      if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...errorPaths);
      else metrics.nonFtv1ErrorPaths = errorPaths;
    }
  }
  return response.data as Data | null | undefined;
}

/** A subgraph error's path in the client's terms (entity errors: `_entities.<i>` → where entity i sits). */
function lazyErrorPaths(fetch: FetchNode, cursor: Cursor): (path: readonly (string | number)[] | undefined) => (string | number)[] | undefined {
  let hydratedPaths: ResponsePath[] | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydratedPaths) {
        hydratedPaths = [];
        generateHydratedPaths([], cursor.path, cursor.fullResult, hydratedPaths);
      }
      return [...(hydratedPaths[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath.slice()] : undefined;
  };
}

function downstreamServiceError(original: { message?: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }, serviceName: string, errorPath: ReturnType<typeof lazyErrorPaths>): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = original;
  const options = { originalError: original as Error, path: errorPath(original.path), extensions: { ...extensions, serviceName } };
  const codeDef = errorCodeDef(original as GraphQLError);
  if (!codeDef && extensions?.['code']) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/** A representation: the `requires` selections out of an entity, or null when one is missing. */
function executeSelectionSet(schema: GraphQLSchema, source: Data | null, selections: readonly QueryPlanSelectionNode[]): Data | null {
  if (source === null) return null;
  const result = Object.create(null) as Data;
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const responseName = getResponseName(selection);
      const subselections = selection.selections;
      const value = source[responseName];
      if (!Object.hasOwn(source, responseName) || typeof value === 'undefined') return null;
      if (Array.isArray(value)) result[responseName] = value.map((v: Data | null) => (subselections ? executeSelectionSet(schema, v, subselections) : v));
      else if (subselections) result[responseName] = executeSelectionSet(schema, value as Data | null, subselections);
      else result[responseName] = value;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!selection.typeCondition || !source) continue;
      if (isObjectOfType(schema, source, selection.typeCondition)) deepMerge(result, executeSelectionSet(schema, source, selection.selections));
    }
  }
  return result;
}

function isObject(value: unknown): value is Data {
  return value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Apollo's deepMerge (utilities/deepMerge.js), with each value read once: a
 * fetch's answer merged into the entities it was for. A key the target only
 * inherits (`constructor`…) first gets an own property, as Apollo's defineOwn does.
 */
function deepMerge(target: Data, source: Data | null | undefined): Data {
  if (source === undefined || source === null) return target;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (value === undefined) continue;
    if (!Object.hasOwn(target, key) && key in target) Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
    const existing = target[key];
    if (existing && isObject(value)) deepMerge(existing as Data, value);
    else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const into: unknown = existing[i];
        if (isObject(into) && isObject(item)) deepMerge(into, item);
        else existing[i] = item;
      }
    } else target[key] = value;
  }
  return target;
}

function moveIntoCursor(cursor: Cursor, pathInCursor: ResponsePath): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, pathInCursor);
  return data ? { path: cursor.path.concat(pathInCursor), data, fullResult: cursor.fullResult } : undefined;
}

/** Apollo's flattenResultsAtPath, walking the path by index instead of copying its rest at every step. */
function flattenResultsAtPath(value: unknown, path: ResponsePath, from = 0): unknown {
  if (from === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[from];
  // `@` on a non-array throws as Apollo's does (`value.flatMap is not a function`).
  if (current === '@') return (value as unknown[]).flatMap((element) => flattenResultsAtPath(element, path, from + 1));
  assert(typeof current === 'string', () => `Unexpected ${typeof current} found in path`);
  assert(!Array.isArray(value), () => `Unexpected array in result for path element ${current}`);
  return flattenResultsAtPath(Object.hasOwn(value as object, current) ? (value as Data)[current] : undefined, path, from + 1);
}

/** Apollo's executeIntrospection: `__schema` / `__type` answered by graphql-js over the API schema. */
function executeIntrospection(operationContext: OperationContext, selection: Selection, variables: Record<string, unknown> | undefined): unknown {
  const field = (selection as unknown as { expandFragments(): { toSelectionNode(): FieldNode } }).expandFragments().toSelectionNode();
  const { data, errors } = executeSync({
    schema: operationContext.schema,
    document: introspectionDocument(field, operationContext.operation.variableDefinitions),
    rootValue: {},
    variableValues: variables,
  });
  assert(!errors || errors.length === 0, () => `Introspection query for ${JSON.stringify(field)} should not have failed but got ${JSON.stringify(errors)}`);
  assert(data, () => `Introspection query for ${JSON.stringify(field)} should not have failed`);
  const key = field.alias?.value ?? field.name.value;
  return Object.hasOwn(data, key) ? data[key] : undefined;
}

function introspectionDocument(field: FieldNode, variableDefinitions: readonly VariableDefinitionNode[] | undefined): DocumentNode {
  const used = new Set<string>();
  visit(field, { Variable: ({ name }) => void used.add(name.value) });
  const definitions = variableDefinitions?.filter((d) => used.has(d.variable.name.value));
  assert(used.size === (definitions?.length ?? 0), () => `Should have found all used variables ${[...used]} in definitions ${JSON.stringify(variableDefinitions)}`);
  return {
    kind: Kind.DOCUMENT,
    definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: OperationTypeNode.QUERY, variableDefinitions: definitions, selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } }],
  };
}
