import { Pool, errors as undiciErrors } from 'undici';
import type { Logger } from '../../common/logger.ts';
import { REQUEST_ID_HEADER } from '../../common/identity.ts';
import type { CallRecorder } from './call-recorder.ts';
import { upstreamError, type UpstreamFailure } from './upstream-errors.ts';

export interface RestClientOptions {
  /** Upstream name used in metrics, logs and error extensions, e.g. "catalog". */
  readonly service: string;
  /** Base URL of the REST service, e.g. http://127.0.0.1:4302 (no path). */
  readonly baseUrl: string;
  /** Whole-call deadline (connect + headers + body). */
  readonly timeoutMs: number;
  /** Keep-alive sockets kept open to the upstream (default 32). */
  readonly connections?: number;
  readonly logger: Logger;
}

/** Per-request facts every call carries: who counts it and which request it belongs to. */
export interface RestCallContext {
  readonly recorder: CallRecorder;
  readonly requestId: string;
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
}

const IDEMPOTENT = new Set(['GET']);
const SOCKET_RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * The one REST client every subgraph uses: a keep-alive pool per upstream, a
 * deadline per call, status → error-code mapping in one function
 * (upstream-errors.ts), and a record of every call for per-request counting.
 *
 * Retries: a GET is retried once, and only when the pooled socket was reset
 * before any response (the keep-alive race where the server closed an idle
 * socket as we reused it). Nothing else is retried here, and POST/PATCH/DELETE
 * never are: the cart service is not idempotent and a retried "add item" would
 * add it twice.
 */
export class RestClient {
  readonly service: string;
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #logger: Logger;

  constructor(options: RestClientOptions) {
    this.service = options.service;
    this.#timeoutMs = options.timeoutMs;
    this.#logger = options.logger;
    this.#pool = new Pool(new URL(options.baseUrl).origin, {
      connections: options.connections ?? 32,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  async call<T>(call: RestCall, context: RestCallContext): Promise<T> {
    const path = call.query ? `${call.path}?${new URLSearchParams(definedEntries(call.query))}` : call.path;
    const attempts = IDEMPOTENT.has(call.method) ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      context.recorder.record(this.service, call.method, call.route);
      try {
        return await this.#send<T>(call, path, context);
      } catch (error) {
        if (attempt < attempts && isSocketReset(error)) continue;
        throw this.#toGraphQLError(error, call, path, context);
      }
    }
  }

  async #send<T>(call: RestCall, path: string, context: RestCallContext): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', [REQUEST_ID_HEADER]: context.requestId };
    let body: string | undefined;
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const response = await this.#pool.request({
      method: call.method,
      path,
      headers,
      body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new UpstreamStatusError(response.statusCode, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UpstreamBodyError(text);
    }
  }

  #toGraphQLError(error: unknown, call: RestCall, path: string, context: RestCallContext) {
    const failure = classify(error, this.#timeoutMs);
    const log = { service: this.service, method: call.method, path, requestId: context.requestId, failure };
    if (failure.kind === 'status' && failure.status === 404) {
      this.#logger.debug(log, 'upstream 404');
    } else {
      // Upstream bodies and errors go to the logs only, truncated; never to clients.
      const detail = error instanceof UpstreamStatusError || error instanceof UpstreamBodyError ? error.body.slice(0, 500) : String(error);
      this.#logger.warn({ ...log, detail }, 'upstream call failed');
    }
    return upstreamError(this.service, call.resource, failure);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

class UpstreamStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upstream answered HTTP ${status}`);
  }
}

class UpstreamBodyError extends Error {
  constructor(readonly body: string) {
    super('upstream body is not JSON');
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

function isSocketReset(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SOCKET_RESET_CODES.has(code);
}

function definedEntries(query: Record<string, string | undefined>): [string, string][] {
  return Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
}
