import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { FallbackRecord } from '../../common/upstream/wire.ts';
import { isServiceFailure } from '../plugins/completeness.ts';
import { optionalFieldsOf, type DegradationConfig } from './config.ts';
import { LRUCache } from 'lru-cache';
import { fetchShapeOf, type FetchedField, type FetchShape } from './fetch-shape.ts';
import { project } from './project.ts';

type GatewayGraphQLRequest = GraphQLDataSourceProcessOptions['request'];
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

/**
 * How the gateway treats one subgraph fetch, decided from what it asks for
 * before it is sent. A fetch whose every field is optional gets the optional
 * budget as its deadline and, when it fails in any way, a stand-in answer
 * holding each field's fallback, so Apollo's executor never sees a failure to
 * null a parent over. A fetch that asks for one critical field fails as before.
 */
export interface FetchPlan {
  /** Every field is optional: a failure is answered with fallbacks. */
  readonly optionalOnly: boolean;
  /** The fetch's deadline (the optional budget), or undefined for the subgraph's own. */
  readonly timeoutMs: number | undefined;
  /** The whole fetch failed: its stand-in answer. Only for optionalOnly plans. */
  substitute(request: GatewayGraphQLRequest, sink: FallbackSink): GatewayGraphQLResponse;
  /** The subgraph answered, with errors for optional fields its own upstreams failed: fallbacks in their place. */
  patch(response: GatewayGraphQLResponse, request: GatewayGraphQLRequest, sink: FallbackSink): GatewayGraphQLResponse;
}

/** Where a plan reports each fallback it served (the request's completeness signal, a metric). */
export interface FallbackSink {
  record(fallback: FallbackRecord): void;
}

export interface Degradation {
  plan(subgraph: string, request: GatewayGraphQLRequest): FetchPlan | undefined;
  /** Declared coordinates, for checking them against the schema on load. */
  readonly coordinates: readonly string[];
}

type Fallbacks = ReturnType<typeof optionalFieldsOf>;

export function createDegradation(config: Readonly<DegradationConfig>): Degradation {
  const fallbacks: Fallbacks = optionalFieldsOf(config);
  const declared = (f: FetchedField) => fallbacks[`${f.typeName}.${f.fieldName}`];
  const budgetOf = (subgraph: string, f: FetchedField): number => {
    const group = declared(f)?.group;
    return (group !== undefined ? config.groupTimeoutsMs[group] : undefined) ?? config.optionalTimeoutsMs[subgraph] ?? config.optionalTimeoutMs;
  };
  // A plan depends on the subgraph and the fetch's text only, and the planner
  // reuses a handful of texts per client operation: decide each pair once.
  const plans = new Map<string, LRUCache<string, { readonly plan: FetchPlan | undefined }>>();
  const decide = (subgraph: string, query: string): FetchPlan | undefined => {
    const shape = fetchShapeOf(query);
    // Writes are never stood in for: a client must know whether its mutation ran.
    if (shape?.operation !== 'query') return undefined;
    const data = shape.fields.filter((f) => f.fieldName !== '__typename');
    const optional = data.filter((f) => declared(f) !== undefined);
    if (optional.length === 0) return undefined;
    const optionalOnly = optional.length === data.length;
    // One fetch serves all its fields: it waits as long as the most patient of them allows.
    const timeoutMs = optionalOnly ? Math.max(...optional.map((f) => budgetOf(subgraph, f))) : undefined;
    return new Plan(subgraph, shape, fallbacks, optionalOnly, timeoutMs);
  };
  return {
    coordinates: Object.keys(fallbacks),
    plan(subgraph, request) {
      if (!request.query) return undefined;
      let bySubgraph = plans.get(subgraph);
      if (!bySubgraph) plans.set(subgraph, (bySubgraph = new LRUCache({ max: 2000 })));
      let known = bySubgraph.get(request.query);
      if (!known) bySubgraph.set(request.query, (known = { plan: decide(subgraph, request.query) }));
      return known.plan;
    },
  };
}

type Entity = Record<string, unknown> | null;
interface ResponseError {
  readonly path?: readonly (string | number)[];
  readonly extensions?: Record<string, unknown>;
}

class Plan implements FetchPlan {
  readonly optionalOnly: boolean;
  readonly timeoutMs: number | undefined;
  readonly #subgraph: string;
  readonly #shape: FetchShape;
  readonly #fallbacks: Fallbacks;

  constructor(subgraph: string, shape: FetchShape, fallbacks: Fallbacks, optionalOnly: boolean, timeoutMs: number | undefined) {
    this.#subgraph = subgraph;
    this.#shape = shape;
    this.#fallbacks = fallbacks;
    this.optionalOnly = optionalOnly;
    this.timeoutMs = timeoutMs;
  }

  substitute(request: GatewayGraphQLRequest, sink: FallbackSink): GatewayGraphQLResponse {
    const service = this.#subgraph;
    if (this.#shape.kind === 'root') return { data: this.#fill({}, 'Query', service, sink) };
    return { data: { _entities: representationsOf(request).map((r) => this.#entity(r, service, sink)) } };
  }

  patch(response: GatewayGraphQLResponse, request: GatewayGraphQLRequest, sink: FallbackSink): GatewayGraphQLResponse {
    const errors = (response.errors ?? []) as readonly ResponseError[];
    const failures = errors.filter((e) => isServiceFailure(e.extensions?.['code']));
    if (failures.length === 0) return response;
    // A non-null field failed and nulled the whole answer: all or nothing.
    if (response.data === null || response.data === undefined) {
      return this.optionalOnly ? { ...this.substitute(request, sink), extensions: response.extensions } : response;
    }
    const data = { ...response.data } as Record<string, unknown>;
    const covered = new Set<ResponseError>();
    const serviceOf = (e: ResponseError) => String(e.extensions?.['service'] ?? e.extensions?.['serviceName'] ?? this.#subgraph);
    if (this.#shape.kind === 'root') {
      for (const error of failures) {
        const field = this.#shape.fields.find((f) => f.responseKey === error.path?.[0]);
        if (!field || data[field.responseKey] !== null || !this.#declared(field)) continue;
        data[field.responseKey] = this.#value(field, serviceOf(error), sink);
        covered.add(error);
      }
    } else {
      const entities = [...((data['_entities'] as Entity[] | undefined) ?? [])];
      const representations = representationsOf(request);
      for (const error of failures) {
        const [root, index, key] = error.path ?? [];
        if (root !== '_entities' || typeof index !== 'number' || index >= representations.length) continue;
        const entity = entities[index];
        if (entity === null || entity === undefined) {
          // The entity was nulled for a non-null field: rebuild it only if it holds nothing critical.
          if (!this.optionalOnly) continue;
          entities[index] = this.#entity(representations[index]!, serviceOf(error), sink);
          for (const e of failures) if (e.path?.[0] === '_entities' && e.path[1] === index) covered.add(e);
          continue;
        }
        const field = this.#shape.fields.find((f) => f.responseKey === key && (f.typeName === entity['__typename'] || f.typeName === representations[index]!['__typename']));
        if (!field || entity[field.responseKey] !== null || !this.#declared(field)) continue;
        entities[index] = { ...entity, [field.responseKey]: this.#value(field, serviceOf(error), sink) };
        covered.add(error);
      }
      data['_entities'] = entities;
    }
    if (covered.size === 0) return response;
    const remaining = (response.errors ?? []).filter((e) => !covered.has(e as ResponseError));
    return { ...response, data, errors: remaining.length > 0 ? remaining : undefined };
  }

  #declared(field: FetchedField) {
    return this.#fallbacks[`${field.typeName}.${field.fieldName}`];
  }

  #value(field: FetchedField, service: string, sink: FallbackSink): unknown {
    const coordinate = `${field.typeName}.${field.fieldName}`;
    sink.record({ field: coordinate, service });
    return project(this.#fallbacks[coordinate]!.fallback, field.selection, this.#shape.fragments);
  }

  #fill(target: Record<string, unknown>, typeName: string, service: string, sink: FallbackSink): Record<string, unknown> {
    for (const field of this.#shape.fields) {
      if (field.typeName !== typeName && field.typeName !== '_Entity') continue;
      target[field.responseKey] = field.fieldName === '__typename' ? typeName : this.#value(field, service, sink);
    }
    return target;
  }

  #entity(representation: Record<string, unknown>, service: string, sink: FallbackSink): Record<string, unknown> {
    const typeName = String(representation['__typename']);
    return this.#fill({ __typename: typeName }, typeName, service, sink);
  }
}

function representationsOf(request: GatewayGraphQLRequest): Record<string, unknown>[] {
  const representations = request.variables?.['representations'];
  return Array.isArray(representations) ? (representations as Record<string, unknown>[]) : [];
}
