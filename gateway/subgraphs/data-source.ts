import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
// Apollo's own parser (not exported at the top; the gateway is pinned to one version), so a
// subgraph's Cache-Control means to the client's exactly what it meant through Apollo's send.
import { parseCacheControlHeader } from '@apollo/gateway/dist/datasources/parseCacheControlHeader.js';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { ErrorCode, storefrontError } from '../../common/errors.ts';
import { CircuitOpenError, UpstreamBreaker, type BreakerState, type RestBreakerConfig } from '../../common/upstream/breaker.ts';
import type { GatewayMetrics } from '../metrics.ts';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
import type { Logger } from '../../common/logger.ts';
import { DEADLINE_HEADER, remainingMs, startDeadline } from '../../common/upstream/deadline.ts';
import { FALLBACKS_EXTENSION, IDENTITY_HEADER, REQUEST_ID_HEADER, REST_CALLS_EXTENSION, readFallbackRecords } from '../../common/upstream/wire.ts';
import { injectTraceContext } from '../../common/tracing.ts';
import { addCallCounts } from '../../common/upstream/call-recorder.ts';
import type { GatewayContext } from '../context.ts';
import type { Degradation, FallbackSink } from '../degradation/degradation.ts';
import { isWrite, writeMayHaveLanded } from '../degradation/writes.ts';
import { IDEMPOTENCY_KEY_HEADER } from '../../common/idempotency.ts';
import type { FetchMerger, SendOnce } from './fetch-merge/merger.ts';
import type { EntityCache } from '../cache/entity-cache.ts';
import { FieldHeaders } from './field-headers.ts';
import { readGraphQLBody, type SubgraphFetcher } from './subgraph-http.ts';

export { createSubgraphFetcher } from './subgraph-http.ts';

/**
 * The subgraph fetch in progress: its abort signal, and when it must be done
 * (a `performance.now()` time: the earlier of the subgraph's timeout and the
 * request's deadline). willSendRequest has only the process options to go
 * on, so the scope is kept by them.
 */
type SubgraphAnswer = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

interface FetchScope {
  readonly signal: AbortSignal;
  readonly deadlineAt: number;
}

/**
 * Sends each subgraph fetch with the gateway-signed identity assertion and the
 * request id, and sums the REST call counts the subgraph reports.
 *
 * A subgraph that cannot be reached or answers with something other than a
 * GraphQL response becomes SUBGRAPH_UNAVAILABLE naming the subgraph. The stock
 * data source would put the subgraph URL, the low-level socket error and the
 * response body in the client's error; those go to the log instead.
 */
export class StorefrontDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly subgraphName: string;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly breaker: UpstreamBreaker;
  readonly #metrics: GatewayMetrics;
  readonly #degradation: Degradation | undefined;
  readonly #merger: FetchMerger | undefined;
  readonly #cache: EntityCache | undefined;

  readonly #fetcher: SubgraphFetcher;
  readonly #scopes = new WeakMap<GraphQLDataSourceProcessOptions<GatewayContext>, FetchScope>();
  // Label sets bound once: prom-client hashes the labels of every observation otherwise (~1.5 % of heavy CPU).
  readonly #breakerGauge: ReturnType<GatewayMetrics['subgraphBreakerState']['labels']>;
  #breakerValue = 0;
  readonly #fetchDurations = new Map<string, ReturnType<GatewayMetrics['subgraphFetchDuration']['labels']>>();

  constructor(options: { url: string; fetcher: SubgraphFetcher; subgraphName: string; logger: Logger; timeoutMs: number; breaker: Readonly<RestBreakerConfig>; metrics: GatewayMetrics; degradation?: Degradation; merger?: FetchMerger; cache?: EntityCache }) {
    // Apollo's fetcher (and its process/sendRequest) go unused: #post sends.
    super({ url: options.url });
    this.#fetcher = options.fetcher;
    this.#degradation = options.degradation;
    this.#merger = options.merger;
    this.#cache = options.cache;
    this.subgraphName = options.subgraphName;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs;
    this.#metrics = options.metrics;
    // Every failure that reaches process() is a transport failure (no answer,
    // a timeout, a non-GraphQL answer): GraphQL errors inside a 200 never throw.
    this.breaker = new UpstreamBreaker(options.subgraphName, options.breaker, () => true, options.logger);
    this.#breakerGauge = options.metrics.subgraphBreakerState.labels({ subgraph: options.subgraphName });
    this.#breakerGauge.set(0);
  }

  #observeFetch(outcome: string, startedAt: number): void {
    let histogram = this.#fetchDurations.get(outcome);
    if (!histogram) this.#fetchDurations.set(outcome, (histogram = this.#metrics.subgraphFetchDuration.labels({ subgraph: this.subgraphName, outcome })));
    histogram.observe((performance.now() - startedAt) / 1000);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    if (!this.#cache) return this.#send(options);
    // The entity cache (gateway/cache) sits in front of the send: it looks up,
    // sends only the misses through #send (timed, breaker, fallbacks for what
    // failed of them), stores, and reassembles.
    const merger = this.#merger;
    merger?.lookingUp(options as GraphQLDataSourceProcessOptions<object>);
    let sent = false;
    try {
      return await this.#cache.fetch(this.subgraphName, options, (request) => {
        sent = true;
        return this.#send({ ...options, request });
      });
    } finally {
      // Answered whole by the cache (or failed before sending): nothing is to wait for it.
      if (!sent) merger?.answeredElsewhere(options as GraphQLDataSourceProcessOptions<object>);
    }
  }

  async #send(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const startedAt = performance.now();
    // Optional data: its own (short) budget, and fallbacks in place of failures (gateway/degradation).
    const plan = this.#degradation?.plan(this.subgraphName, options.request);
    const context = options.context as Partial<GatewayContext>;
    try {
      const response = await this.#dispatch(options, plan?.timeoutMs ?? this.timeoutMs);
      this.#observeFetch('ok', startedAt);
      return plan ? plan.patch(response, options.request, this.#recorder(context)) : response;
    } catch (error) {
      const graphqlError = error instanceof CircuitOpenError
        ? storefrontError(ErrorCode.SUBGRAPH_CIRCUIT_OPEN, `The ${this.subgraphName} subgraph is failing; fetches to it are paused for up to ${error.cooldownMs} ms`, { details: { serviceName: this.subgraphName } })
        : (error as GraphQLError);
      this.#observeFetch(String(graphqlError.extensions?.['code'] ?? 'UNKNOWN'), startedAt);
      if (isWrite(options.request) && writeMayHaveLanded(graphqlError)) graphqlError.extensions['outcome'] = 'unknown';
      if (plan?.optionalOnly) return plan.substitute(options.request, this.#recorder(context));
      throw graphqlError;
    } finally {
      const breakerValue = BREAKER_STATE_VALUE[this.breaker.state];
      if (breakerValue !== this.#breakerValue) this.#breakerGauge.set((this.#breakerValue = breakerValue));
    }
  }

  /**
   * The send itself, where concurrent fetches of one request to this subgraph
   * may go out as one HTTP request (fetch-merge/): one breaker call, one
   * deadline, one set of headers per HTTP request; each fetch then gets its
   * own slice of the answer (or the shared failure) back here.
   */
  #dispatch(options: GraphQLDataSourceProcessOptions<GatewayContext>, timeoutMs: number) {
    const once = (o: GraphQLDataSourceProcessOptions<GatewayContext>, t: number) => this.breaker.run(() => this.#fetch(o, t));
    if (!this.#merger) return once(options, timeoutMs);
    return this.#merger.fetch({ subgraph: this.subgraphName, options: options as GraphQLDataSourceProcessOptions<object>, timeoutMs, send: once as SendOnce, timedOut: () => this.#timedOut(timeoutMs) });
  }

  /** Where fallbacks of this request are recorded (the completeness signal reads them), counted as they are. */
  #recorder(context: Partial<GatewayContext>): FallbackSink {
    const records = (context.fallbacks ??= []);
    const metric = this.#metrics.fallbacks;
    return {
      record(fallback) {
        metric.inc({ field: fallback.field, service: fallback.service });
        if (!records.some((r) => r.field === fallback.field && r.service === fallback.service)) records.push(fallback);
      },
    };
  }

  async #fetch(options: GraphQLDataSourceProcessOptions<GatewayContext>, timeoutMs: number) {
    const { deadline, deadlineAt: requestDeadlineAt } = options.context as Partial<GatewayContext>;
    // Aborts at this fetch's timeout or the request's deadline, whichever passes first.
    const own = startDeadline(timeoutMs, deadline);
    const deadlineAt = Math.min(performance.now() + timeoutMs, requestDeadlineAt ?? Infinity);
    try {
      return await this.#post(options, { signal: own.signal, deadlineAt });
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions['code'] === ErrorCode.SUBGRAPH_UNAVAILABLE) throw error;
      const requestId = (options.context as Partial<GatewayContext>).requestId;
      this.logger.warn({ subgraph: this.subgraphName, reason: (error as Error).message, requestId }, 'subgraph fetch failed');
      // Say what timed out: this subgraph, or the whole request's deadline.
      if (deadline?.aborted) {
        throw storefrontError(ErrorCode.GATEWAY_TIMEOUT, `The request's deadline passed before the ${this.subgraphName} subgraph answered`, { details: { serviceName: this.subgraphName } });
      }
      if (own.signal.aborted) throw this.#timedOut(timeoutMs);
      throw this.unavailable('is unavailable');
    } finally {
      // #post has read the whole response by now.
      own.clear();
    }
  }

  /**
   * RemoteGraphQLDataSource.process and sendRequest (2.14.4), step for step,
   * without APQ (off here) and without node-fetch: its Request (a URL parse)
   * and two Headers per fetch, and the copies into and out of undici's form,
   * were a few per cent of the gateway's CPU on heavy traffic. The same
   * options reach willSendRequest, the same body goes out (`query` first, no
   * `http`), a non-2xx answer goes to errorFromResponse, the answer keeps its
   * HTTP side in `response.http` (the entity cache reads Cache-Control there),
   * and the subgraph's Cache-Control restricts the client response's.
   * Not kept: Apollo's didEncounterError and parseBody hooks (not overridden here).
   */
  async #post(options: GraphQLDataSourceProcessOptions<GatewayContext>, scope: FetchScope): Promise<SubgraphAnswer> {
    const { request } = options;
    const headers = new FieldHeaders();
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers.append(name, value);
    headers.set('content-type', 'application/json');
    request.http = { method: 'POST', url: this.url, headers };
    this.#scopes.set(options, scope);
    await this.willSendRequest(options);
    if (!request.query) throw new Error('Missing query');
    const { query, http, ...rest } = request;
    // willSendRequest may have put other headers in place; FieldHeaders is what undici is given.
    const sentHeaders = http.headers instanceof FieldHeaders ? http.headers : new FieldHeaders(Object.fromEntries(http.headers));
    const response = await this.#fetcher.send({ url: http.url, method: http.method, headers: sentHeaders, body: JSON.stringify({ query, ...rest }), signal: scope.signal });
    if (!response.ok) throw await this.errorFromResponse(response);
    const answer: SubgraphAnswer = { ...(await readGraphQLBody(response)), http: response };
    // Only an incoming operation's fetch has these (not a health check or schema load).
    const incoming = 'incomingRequestContext' in options ? options : undefined;
    const processed = await this.didReceiveResponse({ response: answer, request: { query, ...rest, http }, context: options.context as GatewayContext, pathInIncomingRequest: incoming?.pathInIncomingRequest });
    const policy = incoming?.incomingRequestContext.overallCachePolicy;
    if (this.honorSubgraphCacheControlHeader && policy && 'restrict' in policy) policy.restrict(hintOf(response.headers.get('cache-control')));
    return processed;
  }

  #timedOut(timeoutMs: number): GraphQLError {
    return storefrontError(ErrorCode.SUBGRAPH_TIMEOUT, `The ${this.subgraphName} subgraph did not answer within ${timeoutMs} ms`, { details: { serviceName: this.subgraphName, timeoutMs } });
  }

  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = await response.text().catch(() => '');
    this.logger.warn({ subgraph: this.subgraphName, status: response.status, body: body.slice(0, 500) }, 'subgraph answered with an error status');
    return this.unavailable(`answered HTTP ${response.status}`);
  }

  private unavailable(what: string): GraphQLError {
    return storefrontError(ErrorCode.SUBGRAPH_UNAVAILABLE, `The ${this.subgraphName} subgraph ${what}`, { details: { serviceName: this.subgraphName } });
  }
  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const context = options.context as Partial<GatewayContext>;
    const headers = options.request.http?.headers;
    if (!headers) return;
    // Runs inside Apollo's gateway.fetch span: the subgraph's server span becomes its child.
    injectTraceContext(headers, context.traceparent);
    if (context.identityAssertion && context.requestId) {
      headers.set(IDENTITY_HEADER, await context.identityAssertion);
      headers.set(REQUEST_ID_HEADER, context.requestId);
    }
    // After the await: what is left when the fetch leaves. The subgraph stops
    // calling (and retrying) its REST service once it is spent.
    const scope = this.#scopes.get(options);
    if (scope) headers.set(DEADLINE_HEADER, String(remainingMs(scope.deadlineAt)));
    // Only the write itself carries the key; the entity fetches reading its result are plain reads.
    if (context.idempotencyKey !== undefined && isWrite(options.request)) headers.set(IDEMPOTENCY_KEY_HEADER, context.idempotencyKey);
  }

  override didReceiveResponse: NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']> = ({ response, context }) => {
    const counts = response.extensions?.[REST_CALLS_EXTENSION];
    if (counts !== undefined && context.restCalls) {
      addCallCounts(context.restCalls, counts);
      // Internal bookkeeping: do not let it leak into anything downstream.
      delete response.extensions![REST_CALLS_EXTENSION];
    }
    const fallbacks = response.extensions?.[FALLBACKS_EXTENSION];
    if (Array.isArray(fallbacks)) {
      (context.fallbacks ??= []).push(...readFallbackRecords(fallbacks));
      delete response.extensions![FALLBACKS_EXTENSION];
    }
    return response;
  };
}

type CacheHint = { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' };

/**
 * Hints by Cache-Control text: a subgraph sends the same few values again and
 * again, and parsing one (Apollo's parser) on every fetch was ~1 % of the
 * gateway's CPU on the front page. Bounded: emptied when full.
 */
const hints = new Map<string | null, Readonly<CacheHint>>();
const MAX_HINTS = 256;

/** A subgraph's Cache-Control as a cache hint, read as RemoteGraphQLDataSource.respond reads it (shared: the cache policy's `restrict` only reads it). */
function hintOf(header: string | null): Readonly<CacheHint> {
  let hint = hints.get(header);
  if (!hint) {
    if (hints.size >= MAX_HINTS) hints.clear();
    hints.set(header, (hint = Object.freeze(parseHint(header))));
  }
  return hint;
}

function parseHint(header: string | null): CacheHint {
  const parsed = parseCacheControlHeader(header);
  const hint: CacheHint = { maxAge: 0 };
  const maxAge = parsed['max-age'];
  if (typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge)) hint.maxAge = Number(maxAge);
  if (parsed['private'] === true) hint.scope = 'PRIVATE';
  if (parsed['public'] === true) hint.scope = 'PUBLIC';
  return hint;
}
