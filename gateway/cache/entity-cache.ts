import type { RemoteGraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import stringify from 'safe-stable-stringify';
import type { Logger } from '../../common/logger.ts';
import type { GatewayContext } from '../context.ts';
import { CoalescedFailure, Coalescer } from './coalesce.ts';
import { entityKey, fetchShapeOf, operationKey, rootKey, typenameOf } from './fetch-shape.ts';
import { addEntityTags, changedTags, changedTypes, rootTags } from './tags.ts';
import type { EntityCacheMetrics, LookupResult } from './metrics.ts';
import { policyOf, type CachePolicy } from './policy.ts';
import { count, reportOf, type CacheReport } from './report.ts';
import type { CacheStore, EntryToStore, Found } from './store.ts';

export type SubgraphRequest = GraphQLDataSourceProcessOptions<GatewayContext>['request'];
export type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;
/** The data source's own send (breaker, deadline, identity, REST call counts): the cache only decides what goes through it. */
export type Send = (request: SubgraphRequest) => Promise<SubgraphResponse>;

interface CacheHint {
  restrict(hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }): void;
}

export interface EntityCacheOptions {
  readonly store: CacheStore;
  readonly metrics: EntityCacheMetrics;
  readonly logger: Logger;
  readonly maxTtlSeconds: number;
  readonly coalesce: boolean;
}

/**
 * Entity and root-field caching in front of a subgraph fetch, as Apollo
 * Router's entity cache: look up, send only the misses, store what the
 * subgraph's Cache-Control allows, reassemble in the original order.
 *
 * Private data: never stored (see docs/caching.md). Whether a fetch is public is
 * known only from an answer, so each operation's last policy is remembered (as
 * Router remembers private queries): a fetch last answered private or
 * uncacheable skips the lookup and the coalescing, and is simply sent.
 */
export class EntityCache {
  readonly #store: CacheStore;
  readonly #metrics: EntityCacheMetrics;
  readonly #logger: Logger;
  readonly #maxTtlSeconds: number;
  readonly #coalescer: Coalescer | undefined;
  /** Operation key → whether its last answer was public and cacheable. */
  readonly #policies = new LRUCache<string, boolean>({ max: 10_000 });

  constructor(options: EntityCacheOptions) {
    this.#store = options.store;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#maxTtlSeconds = options.maxTtlSeconds;
    this.#coalescer = options.coalesce ? new Coalescer() : undefined;
  }

  async fetch(subgraph: string, options: GraphQLDataSourceProcessOptions<GatewayContext>, sendToSubgraph: Send): Promise<SubgraphResponse> {
    const { request } = options;
    if (options.kind !== 'incoming operation' || !request.query) return sendToSubgraph(request);
    const report = reportOf(options.context as object);
    const send: Send = (request) => {
      report.fetches++;
      return sendToSubgraph(request);
    };
    const hint = options.incomingRequestContext.overallCachePolicy as CacheHint | undefined;
    const shape = fetchShapeOf(request.query);
    if (shape.kind === 'mutation') return this.#mutation(request, send, changedTypes(shape.fields, options.incomingRequestContext.schema));
    if (shape.kind === 'other') return send(request);
    const variable = shape.kind === 'entities' ? shape.variable : undefined;
    const operation = operationKey(subgraph, request.query, request.variables, variable);
    if (this.#policies.get(operation) === false) return this.#sendAndLearn(operation, request, send);
    const schema = options.incomingRequestContext.schema;
    if (shape.kind === 'root') return this.#root(subgraph, operation, request, send, report, hint, schema);
    const representations = request.variables?.[variable!];
    if (!Array.isArray(representations) || representations.length === 0) return send(request);
    return this.#entities(subgraph, operation, variable!, representations, request, send, report, hint, schema);
  }

  async #root(subgraph: string, operation: string, request: SubgraphRequest, send: Send, report: CacheReport, hint: CacheHint | undefined, schema: GraphQLSchema): Promise<SubgraphResponse> {
    const key = rootKey(subgraph, operation);
    const [found] = await this.#lookup([key]);
    const result = this.#record(report, subgraph, 'Query', found);
    if (result === 'hit') {
      const entry = found as Exclude<Found, 'stale' | undefined>;
      restrictTo(hint, entry.expiresAt);
      const data = JSON.parse(entry.value) as Record<string, unknown>;
      for (const tag of rootTags(subgraph, request, data, schema)) report.tags.add(tag);
      return { data };
    }
    const { response, policy } = await this.#send(subgraph, operation, request, send, report, hint);
    if (policy.cacheable && !response.errors?.length && response.data) {
      const tags = rootTags(subgraph, request, response.data, schema);
      for (const tag of tags) report.tags.add(tag);
      await this.#save([{ key, value: JSON.stringify(response.data), ttlMs: policy.maxAgeSeconds * 1000, tags: [...tags] }]);
    }
    return response;
  }

  async #entities(
    subgraph: string,
    operation: string,
    variable: string,
    representations: readonly unknown[],
    request: SubgraphRequest,
    send: Send,
    report: CacheReport,
    hint: CacheHint | undefined,
    schema: GraphQLSchema,
  ): Promise<SubgraphResponse> {
    const keys = representations.map((representation) => entityKey(subgraph, representation, operation));
    const found = await this.#lookup(keys);
    const entities: unknown[] = new Array(representations.length);
    const missing: number[] = [];
    let earliest = Infinity;
    found.forEach((entry, i) => {
      const result = this.#record(report, subgraph, typenameOf(representations[i]) ?? 'unknown', entry);
      if (result !== 'hit') {
        missing.push(i);
        return;
      }
      const { value, expiresAt } = entry as Exclude<Found, 'stale' | undefined>;
      entities[i] = JSON.parse(value);
      earliest = Math.min(earliest, expiresAt);
      addEntityTags(subgraph, representations[i], entities[i], report.tags, schema);
    });
    if (missing.length === 0) {
      restrictTo(hint, earliest);
      return { data: { _entities: entities } };
    }
    const partial = missing.length < representations.length;
    const toFetch = partial ? { ...request, variables: { ...request.variables, [variable]: missing.map((i) => representations[i]) } } : request;
    const { response, policy } = await this.#send(subgraph, operation, toFetch, send, report, hint);
    if (partial) restrictTo(hint, earliest);
    const fetched = response.data?.['_entities'];
    const complete = Array.isArray(fetched) && fetched.length === missing.length;
    if (policy.cacheable && complete && !response.errors?.length) {
      const ttlMs = policy.maxAgeSeconds * 1000;
      await this.#save(
        missing.map((i, j) => {
          const tags = addEntityTags(subgraph, representations[i], fetched[j], new Set(), schema);
          for (const tag of tags) report.tags.add(tag);
          return { key: keys[i]!, value: JSON.stringify(fetched[j] ?? null), ttlMs, tags: [...tags] };
        }),
      );
    }
    if (!partial) return response;
    missing.forEach((i, j) => {
      entities[i] = complete ? fetched[j] : null;
    });
    return { ...response, data: { ...response.data, _entities: entities }, ...(response.errors ? { errors: response.errors.map((e) => reindexed(e, missing)) } : {}) };
  }

  /** Sends (coalesced with an identical public fetch in flight, if any) and remembers the answer's policy. */
  async #send(subgraph: string, operation: string, request: SubgraphRequest, send: Send, report: CacheReport, hint: CacheHint | undefined): Promise<{ response: SubgraphResponse; policy: CachePolicy }> {
    // Only fetches last answered public are coalesced: an unknown fetch might be
    // private, and a private answer must never reach another identity.
    if (this.#coalescer && this.#policies.get(operation) === true) {
      const key = `${operation}\n${stringify(request.variables ?? {})}`;
      const onJoin = () => {
        report.coalesced++;
        this.#metrics.coalesced.inc({ subgraph });
      };
      let shared;
      try {
        shared = await this.#coalescer.run(
          key,
          async () => {
            const response = await send(request);
            return { response, header: headerOf(response) };
          },
          onJoin,
        );
      } catch (error) {
        // The leader's failure (its deadline, its breaker) is not this request's: fetch for itself.
        if (!(error instanceof CoalescedFailure)) throw error;
        return this.#sendAlone(operation, request, send);
      }
      const policy = this.#learn(operation, shared.header);
      if (!shared.joined) return { response: shared.response, policy };
      // A follower takes only a clean public answer; anything else it fetches for itself.
      if (!policy.cacheable || shared.response.errors?.length) return this.#sendAlone(operation, request, send);
      // The leader's send restricted the leader's request; this one's is restricted here.
      hint?.restrict({ maxAge: policy.maxAgeSeconds, scope: 'PUBLIC' });
      return { response: shared.response, policy };
    }
    return this.#sendAlone(operation, request, send);
  }

  async #sendAlone(operation: string, request: SubgraphRequest, send: Send): Promise<{ response: SubgraphResponse; policy: CachePolicy }> {
    const response = await send(request);
    return { response, policy: this.#learn(operation, headerOf(response)) };
  }

  async #sendAndLearn(operation: string, request: SubgraphRequest, send: Send): Promise<SubgraphResponse> {
    const response = await send(request);
    this.#learn(operation, headerOf(response));
    return response;
  }

  /** `header` undefined: no HTTP answer (a fallback the data source stood in with), which says nothing about the fetch's policy. */
  #learn(operation: string, header: string | null | undefined): CachePolicy {
    const policy = policyOf(header, this.#maxTtlSeconds);
    if (header !== undefined) this.#policies.set(operation, policy.cacheable);
    return policy;
  }

  /**
   * A mutation is never cached; the entities it returns are purged (their
   * `type:id` tags, not whole types), so the next read of what it changed
   * is fresh. A failed purge is logged: the write itself succeeded.
   */
  async #mutation(request: SubgraphRequest, send: Send, changed: ReadonlyMap<string, string>): Promise<SubgraphResponse> {
    const response = await send(request);
    if (!response.data) return response;
    const tags = changedTags(response.data, changed);
    if (tags.length === 0) return response;
    try {
      await this.#store.purge(tags);
      this.#metrics.invalidations.inc({ source: 'mutation', outcome: 'ok' });
    } catch (error) {
      this.#metrics.invalidations.inc({ source: 'mutation', outcome: 'failed' });
      this.#logger.error({ reason: (error as Error).message, tags }, 'could not invalidate what a mutation changed');
    }
    return response;
  }

  async #lookup(keys: readonly string[]): Promise<Found[]> {
    try {
      return await this.#store.getMany(keys);
    } catch (error) {
      this.#logger.warn({ reason: (error as Error).message }, 'entity cache lookup failed; fetching');
      return keys.map(() => undefined);
    }
  }

  async #save(entries: readonly EntryToStore[]): Promise<void> {
    try {
      await this.#store.setMany(entries);
    } catch (error) {
      this.#logger.warn({ reason: (error as Error).message }, 'entity cache store failed');
    }
  }

  #record(report: CacheReport, subgraph: string, type: string, found: Found): LookupResult {
    const result: LookupResult = found === undefined ? 'miss' : found === 'stale' ? 'stale' : found.expiresAt > Date.now() ? 'hit' : 'stale';
    this.#metrics.lookups.inc({ subgraph, type, result });
    count(report, result);
    return result;
  }
}


/** The subgraph's Cache-Control (null when it sent none), or undefined when no subgraph answered (a stand-in response). */
function headerOf(response: SubgraphResponse): string | null | undefined {
  return response.http ? (response.http.headers.get('cache-control') ?? null) : undefined;
}

/** Restricts the client response's Cache-Control to what is left of a cached answer's life. */
function restrictTo(hint: CacheHint | undefined, expiresAt: number): void {
  if (!hint || !Number.isFinite(expiresAt)) return;
  hint.restrict({ maxAge: Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)), scope: 'PUBLIC' });
}

/** An error of the fetch of the misses, moved to the position its entity has in the whole list. */
function reindexed<E extends { readonly path?: readonly (string | number)[] }>(error: E, missing: readonly number[]): E {
  const path = error.path;
  if (!path || path[0] !== '_entities' || typeof path[1] !== 'number' || missing[path[1]] === undefined) return error;
  return { ...error, path: ['_entities', missing[path[1]]!, ...path.slice(2)] };
}
