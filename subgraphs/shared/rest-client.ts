import { setTimeout as sleep } from 'node:timers/promises';
import type { GraphQLError } from 'graphql';
import { Pool, errors as undiciErrors } from 'undici';
import { remainingMs, startDeadline } from '../../common/upstream/deadline.ts';
import type { Logger } from '../../common/logger.ts';
import { injectTraceContext } from '../../common/tracing.ts';
import { REQUEST_ID_HEADER } from '../../common/upstream/wire.ts';
import { CircuitOpenError, DEFAULT_REST_BREAKER, UpstreamBreaker, type BreakerState, type RestBreakerConfig } from '../../common/upstream/breaker.ts';
import type { CallRecorder } from '../../common/upstream/call-recorder.ts';
import { IDEMPOTENCY_KEY_HEADER } from '../../common/idempotency.ts';
import type { RestObserver } from './metrics.ts';
import { DEFAULT_REST_RETRY, type RestRetryConfig } from './config.ts';
import { backoffDelayMs, retryFitsDeadline, RetryBudget } from './retry.ts';
import { recordRestStatus, traceRestCall } from './rest-tracing.ts';
import { upstreamError, type UpstreamFailure } from './upstream-errors.ts';

export interface RestClientOptions {
  /** Upstream name used in metrics, logs and error extensions, e.g. "catalog". */
  readonly service: string;
  /** Base URL of the REST service, e.g. http://127.0.0.1:4302 (no path). */
  readonly baseUrl: string;
  /** Deadline of one attempt (connect + headers + body), cut to what is left of the request's deadline. */
  readonly timeoutMs: number;
  /** Keep-alive sockets kept open to the upstream (default 32). */
  readonly connections?: number;
  /** Circuit breaker of this upstream (config.ts documents the defaults). */
  readonly breaker?: Readonly<RestBreakerConfig>;
  /** Retries of GETs (config.ts documents the defaults). */
  readonly retry?: Readonly<RestRetryConfig>;
  readonly logger: Logger;
}

/** Per-request facts every call carries: who counts it, which request it belongs to, and until when it may run. */
export interface RestCallContext {
  readonly recorder: CallRecorder;
  readonly requestId: string;
  /**
   * The request's deadline, a `performance.now()` time: no attempt runs past
   * it, no retry starts too close to it, and once it has passed calls fail at
   * once with UPSTREAM_TIMEOUT. None: each attempt has the whole `timeoutMs`.
   */
  readonly deadlineAt?: number;
}

export interface RestCall {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Concrete path, e.g. "/products/prod-00001". */
  readonly path: string;
  /** Route pattern for counting, e.g. "/products/:id" (never the concrete path: that would be unbounded). */
  readonly route: string;
  readonly query?: Record<string, string | undefined>;
  readonly body?: unknown;
  /** Human name of what is fetched, for NOT_FOUND messages ("Product prod-00001"). */
  readonly resource: string;
  /** Keys in a DataLoader batch call, for the batch-size metric. */
  readonly batchSize?: number;
  /** Sent as `Idempotency-Key`: the upstream applies the write once, so it may be retried like a GET. */
  readonly idempotencyKey?: string;
}

const IDEMPOTENT = new Set(['GET']);
/** Statuses that say "try again" (a proxy or an overloaded upstream); a 500 is a bug that a retry repeats. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/**
 * The one REST client every subgraph uses: a keep-alive pool per upstream, a
 * deadline per call, status → error-code mapping in one function
 * (upstream-errors.ts), a circuit breaker per upstream (breaker.ts), retries of
 * reads (retry.ts), and a record of every network attempt for per-request
 * counting (a call refused by the open breaker is not recorded: it sent nothing).
 *
 * Retries: only GET, only after a timeout, a refused or reset connection
 * (including the keep-alive race where the server closed an idle socket as we
 * reused it) or a 502/503/504; never after another 4xx/5xx, never while the
 * breaker is open, and only while the retry budget allows. POST/PATCH/DELETE
 * never are: the cart service is not idempotent and a retried "add item" would
 * add it twice.
 *
 * Deadlines: each attempt gets `timeoutMs` or what is left of the request's
 * deadline (`deadlineAt`, from the gateway's x-storefront-deadline-ms), if
 * less; a retry starts only if `restRetry.minAttemptMs` is left after its
 * backoff; a call made after the deadline fails at once with UPSTREAM_TIMEOUT,
 * sending nothing. So the subgraph stops calling its upstream when the
 * gateway stops waiting. An attempt cut short by the deadline is a timeout
 * for the breaker too: the upstream did not answer in the time it had.
 */
export class RestClient {
  readonly service: string;
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #breaker: UpstreamBreaker;
  readonly #retry: Readonly<RestRetryConfig>;
  readonly #budget: RetryBudget;

  constructor(options: RestClientOptions) {
    this.service = options.service;
    this.#timeoutMs = options.timeoutMs;
    this.#logger = options.logger;
    this.#pool = new Pool(new URL(options.baseUrl).origin, {
      connections: options.connections ?? 32,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
    const breaker = options.breaker ?? DEFAULT_REST_BREAKER;
    this.#breaker = new UpstreamBreaker(options.service, breaker, (error) => isOutage(classify(error, this.#timeoutMs)), options.logger);
    this.#retry = options.retry ?? DEFAULT_REST_RETRY;
    this.#budget = new RetryBudget({ ...this.#retry, windowMs: breaker.windowMs });
  }

  /** The breaker's state, for health checks and tests. */
  /** Receives every network attempt (metrics); set once by the subgraph server. */
  observer: RestObserver | undefined;

  breakerState(): BreakerState {
    return this.#breaker.state;
  }

  async call<T>(call: RestCall, context: RestCallContext): Promise<T> {
    const path = call.query ? `${call.path}?${new URLSearchParams(definedEntries(call.query))}` : call.path;
    // A write is retried only under an idempotency key: without one, a retry
    // after a timeout could apply it twice (the first may have landed).
    const attempts = IDEMPOTENT.has(call.method) || call.idempotencyKey !== undefined ? this.#retry.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      const timeoutMs = Math.min(this.#timeoutMs, timeLeftMs(context));
      if (timeoutMs <= 0) {
        this.#logger.debug({ service: this.service, method: call.method, path, requestId: context.requestId, attempt }, 'request deadline passed: call not sent');
        throw afterEarlierAttempts(upstreamError(this.service, call.resource, { kind: 'deadline' }), call, attempt);
      }
      if (attempt === 1) this.#budget.deposit();
      try {
        return await this.#breaker.run(async () => {
          context.recorder.record(this.service, call.method, call.route);
          const started = performance.now();
          try {
            const result = await traceRestCall(this.service, call, () => this.#send<T>(call, path, context, timeoutMs));
            this.observer?.attempt(call.route, call.method, 'ok', (performance.now() - started) / 1000, call.batchSize);
            return result;
          } catch (error) {
            const failure = classify(error, timeoutMs);
            this.observer?.attempt(call.route, call.method, failure.kind === 'status' ? `http_${failure.status}` : failure.kind, (performance.now() - started) / 1000, call.batchSize);
            throw error;
          }
        });
      } catch (error) {
        if (error instanceof CircuitOpenError) {
          this.#logger.debug({ service: this.service, method: call.method, path, requestId: context.requestId }, 'circuit open: call failed fast');
          throw afterEarlierAttempts(error.toGraphQLError(), call, attempt);
        }
        if (attempt < attempts && isRetryable(classify(error, timeoutMs)) && this.#breaker.state === 'closed') {
          const delayMs = backoffDelayMs(attempt, this.#retry);
          const fits = retryFitsDeadline(timeLeftMs(context), delayMs, this.#retry.minAttemptMs);
          if (fits && this.#budget.tryWithdraw()) {
            this.#logger.debug({ service: this.service, method: call.method, path, requestId: context.requestId, attempt, delayMs, error: String(error) }, 'retrying upstream call');
            await sleep(delayMs);
            continue;
          }
          if (!fits) this.#logger.debug({ service: this.service, method: call.method, path, requestId: context.requestId, attempt }, 'not retrying: too little of the request deadline left');
        }
        throw this.#toGraphQLError(error, call, path, context, timeoutMs);
      }
    }
  }

  async #send<T>(call: RestCall, path: string, context: RestCallContext, timeoutMs: number): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', [REQUEST_ID_HEADER]: context.requestId };
    if (call.idempotencyKey !== undefined) headers[IDEMPOTENCY_KEY_HEADER] = call.idempotencyKey;
    injectTraceContext(headers);
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const deadline = startDeadline(timeoutMs);
    let text: string;
    let status: number;
    try {
      const response = await this.#pool.request({ method: call.method, path, headers, body, signal: deadline.signal });
      status = response.statusCode;
      recordRestStatus(status);
      text = await response.body.text();
    } finally {
      deadline.clear();
    }
    if (status >= 400) throw new UpstreamStatusError(status, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UpstreamBodyError(text);
    }
  }

  #toGraphQLError(error: unknown, call: RestCall, path: string, context: RestCallContext, timeoutMs: number) {
    const failure = classify(error, timeoutMs);
    const log = { service: this.service, method: call.method, path, requestId: context.requestId, failure };
    if (failure.kind === 'status' && failure.status === 404) {
      this.#logger.debug(log, 'upstream 404');
    } else {
      // Upstream bodies and errors go to the logs only, truncated; never to clients.
      const detail = error instanceof UpstreamStatusError || error instanceof UpstreamBodyError ? error.body.slice(0, 500) : String(error);
      this.#logger.warn({ ...log, detail }, 'upstream call failed');
    }
    const graphqlError = upstreamError(this.service, call.resource, failure);
    // A write that was sent and not answered may or may not have been applied:
    // say so, so a client retries with the same Idempotency-Key rather than guessing.
    if (!IDEMPOTENT.has(call.method) && writeOutcomeUnknown(failure)) graphqlError.extensions['outcome'] = 'unknown';
    return graphqlError;
  }

  async close(): Promise<void> {
    this.#breaker.shutdown();
    await this.#pool.close();
  }
}

class UpstreamStatusError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super(`upstream answered HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

class UpstreamBodyError extends Error {
  readonly body: string;
  constructor(body: string) {
    super('upstream body is not JSON');
    this.body = body;
  }
}

function classify(error: unknown, timeoutMs: number): UpstreamFailure {
  if (error instanceof UpstreamStatusError) return { kind: 'status', status: error.status };
  if (error instanceof UpstreamBodyError) return { kind: 'bad-body' };
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return { kind: 'timeout', timeoutMs };
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return { kind: 'timeout', timeoutMs };
  if (error instanceof undiciErrors.RequestAbortedError) return { kind: 'timeout', timeoutMs };
  return { kind: 'unreachable' };
}

/** What the breaker counts as the upstream failing: no answer, a broken answer or a 5xx. A 404 or a 400 is an answer. */
function isOutage(failure: UpstreamFailure): boolean {
  return failure.kind !== 'status' || failure.status >= 500;
}

/** A write not sent this time, after an attempt that was sent and not answered: that one may have landed. */
function afterEarlierAttempts(error: GraphQLError, call: RestCall, attempt: number): GraphQLError {
  if (attempt > 1 && !IDEMPOTENT.has(call.method)) error.extensions['outcome'] = 'unknown';
  return error;
}

function writeOutcomeUnknown(failure: UpstreamFailure): boolean {
  return failure.kind === 'timeout' || failure.kind === 'bad-body' || (failure.kind === 'status' && failure.status >= 500);
}

function isRetryable(failure: UpstreamFailure): boolean {
  return failure.kind === 'timeout' || failure.kind === 'unreachable' || (failure.kind === 'status' && RETRYABLE_STATUSES.has(failure.status));
}

function timeLeftMs(context: RestCallContext): number {
  return context.deadlineAt === undefined ? Infinity : remainingMs(context.deadlineAt);
}

function definedEntries(query: Record<string, string | undefined>): [string, string][] {
  return Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
}
