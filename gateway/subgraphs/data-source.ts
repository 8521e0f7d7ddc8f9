import { AsyncLocalStorage } from 'node:async_hooks';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher, FetcherHeaders, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { ErrorCode, storefrontError } from '../../common/errors.ts';
import { CircuitOpenError, UpstreamBreaker, type BreakerState, type RestBreakerConfig } from '../../common/upstream/breaker.ts';
import type { GatewayMetrics } from '../metrics.ts';

const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
import type { Logger } from '../../common/logger.ts';
import { Agent, Headers, type Dispatcher } from 'undici';
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

/**
 * A keep-alive pool for all subgraph fetches of this gateway (undici). The
 * gateway's default fetcher (make-fetch-happen) opens unbounded sockets; a
 * bounded pool per origin keeps connection churn and file descriptors in check.
 */
/**
 * The subgraph fetch in progress: its abort signal, and when it must be done
 * (a `performance.now()` time: the earlier of the subgraph's timeout and the
 * request's deadline). RemoteGraphQLDataSource builds the fetch options itself
 * and has no place for either, so the data source runs each fetch inside this
 * store; the fetcher reads the signal, willSendRequest the deadline.
 */
const fetchScope = new AsyncLocalStorage<{ readonly signal: AbortSignal; readonly deadlineAt: number }>();

export function createSubgraphFetcher(options: { connections: number; timeoutMs: number }): { fetcher: Fetcher; close: () => Promise<void> } {
  const agent = new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  // A handful of subgraph URLs, parsed once each rather than on every fetch.
  const targets = new Map<string, { origin: string; path: string }>();
  const fetcher: Fetcher = async (url, init) => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      targets.set(url, target);
    }
    const response = await agent.request({
      ...target,
      method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: init?.headers,
      body: init?.body,
      signal: fetchScope.getStore()?.signal,
    });
    return new SubgraphResponse(url, response);
  };
  return { fetcher, close: () => agent.close() };
}

/**
 * The part of a fetch Response that RemoteGraphQLDataSource reads (status,
 * ok, headers, text/json), over undici's `request`. Not undici's `fetch`: for
 * every call it wraps the request body in a web ReadableStream, clones the
 * request (tee-ing that stream) to be able to follow a redirect, and wraps the
 * response body in another web stream: measured at about a sixth of the
 * gateway's CPU on the front page (several subgraph fetches per request).
 * Consequence: a subgraph's redirect is not followed; it answers as any other
 * non-2xx status does (SUBGRAPH_UNAVAILABLE, "answered HTTP 3xx").
 */
class SubgraphResponse implements FetcherResponse {
  readonly redirected = false;
  readonly status: number;
  readonly statusText: string;
  readonly headers: FetcherHeaders;
  readonly #body: Dispatcher.ResponseData['body'];

  readonly url: string;

  constructor(url: string, response: Dispatcher.ResponseData) {
    this.url = url;
    this.status = response.statusCode;
    this.statusText = response.statusText;
    this.#body = response.body;
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.append(name, value);
    }
    this.headers = headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.#body.bodyUsed;
  }

  text(): Promise<string> {
    return this.#body.text();
  }

  json(): Promise<unknown> {
    return this.#body.json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body.arrayBuffer();
  }

  clone(): FetcherResponse {
    throw new Error('a subgraph response is read once; RemoteGraphQLDataSource never clones it');
  }
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

  constructor(options: { url: string; fetcher: Fetcher; subgraphName: string; logger: Logger; timeoutMs: number; breaker: Readonly<RestBreakerConfig>; metrics: GatewayMetrics; degradation?: Degradation; merger?: FetchMerger; cache?: EntityCache }) {
    super({ url: options.url, fetcher: options.fetcher });
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
    this.#metrics.subgraphBreakerState.set({ subgraph: options.subgraphName }, 0);
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
    const stop = this.#metrics.subgraphFetchDuration.startTimer({ subgraph: this.subgraphName });
    // Optional data: its own (short) budget, and fallbacks in place of failures (gateway/degradation).
    const plan = this.#degradation?.plan(this.subgraphName, options.request);
    const context = options.context as Partial<GatewayContext>;
    try {
      const response = await this.#dispatch(options, plan?.timeoutMs ?? this.timeoutMs);
      stop({ outcome: 'ok' });
      return plan ? plan.patch(response, options.request, this.#recorder(context)) : response;
    } catch (error) {
      const graphqlError = error instanceof CircuitOpenError
        ? storefrontError(ErrorCode.SUBGRAPH_CIRCUIT_OPEN, `The ${this.subgraphName} subgraph is failing; fetches to it are paused for up to ${error.cooldownMs} ms`, { details: { serviceName: this.subgraphName } })
        : (error as GraphQLError);
      stop({ outcome: String(graphqlError.extensions?.['code'] ?? 'UNKNOWN') });
      if (isWrite(options.request) && writeMayHaveLanded(graphqlError)) graphqlError.extensions['outcome'] = 'unknown';
      if (plan?.optionalOnly) return plan.substitute(options.request, this.#recorder(context));
      throw graphqlError;
    } finally {
      this.#metrics.subgraphBreakerState.set({ subgraph: this.subgraphName }, BREAKER_STATE_VALUE[this.breaker.state]);
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
      return await fetchScope.run({ signal: own.signal, deadlineAt }, () => super.process(options));
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
      // super.process() has read the whole response by now.
      own.clear();
    }
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
    const scope = fetchScope.getStore();
    if (scope) headers.set(DEADLINE_HEADER, String(remainingMs(scope.deadlineAt)));
    // Only the write itself carries the key; the entity fetches reading its result are plain reads.
    if (context.idempotencyKey !== undefined && isWrite(options.request)) headers.set(IDEMPOTENCY_KEY_HEADER, context.idempotencyKey);
  }

  override didReceiveResponse: RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse'] = ({ response, context }) => {
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
