import type { FetcherResponse } from '@apollo/utils.fetcher';
import { Agent, type Dispatcher } from 'undici';
import { FieldHeaders } from './field-headers.ts';

/** What one subgraph fetch sends: `request.http` as willSendRequest left it, and the JSON body. */
export interface SubgraphPost {
  readonly url: string;
  readonly method: string;
  readonly headers: FieldHeaders;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** Sends subgraph fetches on the gateway's one keep-alive pool. */
export interface SubgraphFetcher {
  send(post: SubgraphPost): Promise<SubgraphResponse>;
}

/**
 * A keep-alive pool for all subgraph fetches of this gateway (undici). The
 * gateway's default fetcher (make-fetch-happen) opens unbounded sockets; a
 * bounded pool per origin keeps connection churn and file descriptors in check.
 */
export function createSubgraphFetcher(options: { connections: number; timeoutMs: number }): { fetcher: SubgraphFetcher; close: () => Promise<void> } {
  const agent = new Agent({
    connections: options.connections,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  // A handful of subgraph URLs, parsed once each rather than on every fetch.
  const targets = new Map<string, { origin: string; path: string }>();
  const fetcher: SubgraphFetcher = {
    async send({ url, method, headers, body, signal }) {
      let target = targets.get(url);
      if (!target) {
        const parsed = new URL(url);
        target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
        targets.set(url, target);
      }
      return new Promise<SubgraphResponse>((resolve, reject) => {
        const handler = new WholeAnswer(url, signal, resolve, reject);
        if (handler.settled) return;
        agent.dispatch({ ...target, method: method as Dispatcher.HttpMethod, headers: headers.fields, body }, handler);
      });
    },
  };
  return { fetcher, close: () => agent.close() };
}

/**
 * Reads one subgraph answer whole, straight from undici's dispatcher, and
 * settles with it once its last byte is in (or with the error that cut it).
 * Written here rather than using undici's `request`: that wraps every answer
 * in a Readable stream and an AsyncResource, and reads the body back out of
 * the stream, for answers that are read whole anyway, JSON of a few KB. With
 * Cache-Control hints parsed once (data-source.ts), the front page without the
 * entity cache took 0.83x the gateway CPU per request (A/B, 4 ABBA rounds,
 * 2026-11-27). What `request` does that
 * matters here is kept: the abort signal (before sending, while queued for a
 * connection, mid-answer), informational 1xx answers skipped, the body's
 * chunks kept as they came.
 */
class WholeAnswer implements Dispatcher.DispatchHandler {
  settled = false;
  readonly #url: string;
  readonly #signal: AbortSignal;
  readonly #resolve: (response: SubgraphResponse) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #statusText = '';
  #headers: Record<string, string | string[] | undefined> = {};
  readonly #chunks: Buffer[] = [];
  readonly #onAbort = () => this.#abort();

  constructor(url: string, signal: AbortSignal, resolve: (response: SubgraphResponse) => void, reject: (error: unknown) => void) {
    this.#url = url;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The signal's reason as undici's controller takes it (an Error). */
  #reason(): Error {
    const reason: unknown = this.#signal.reason;
    return reason instanceof Error ? reason : new Error(reason === undefined ? 'aborted' : String(reason));
  }

  /** Fails the fetch at once, whether it is still queued, sending or reading; undici drops the connection when it can. */
  #abort(): void {
    this.#controller?.abort(this.#reason());
    this.#settle(this.#signal.reason ?? this.#reason());
  }

  #settle(error: unknown, response?: SubgraphResponse): void {
    if (this.settled) return;
    this.settled = true;
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (response) this.#resolve(response);
    else this.#reject(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) controller.abort(this.#reason());
    else this.#controller = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusText: string): void {
    if (statusCode < 200) return;
    this.#status = statusCode;
    this.#statusText = statusText;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.settled) this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#settle(undefined, new SubgraphResponse(this.#url, this.#status, this.#statusText, this.#headers, body));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle(error);
  }
}

/**
 * A subgraph's answer as a fetch Response (what `response.http` and
 * errorFromResponse are given in RemoteGraphQLDataSource), its body already
 * read whole: its header record is read in place, never copied into Headers.
 *
 * Not undici's `fetch`: for every call it wraps the request body in a web
 * ReadableStream, clones the request (tee-ing that stream) to be able to
 * follow a redirect, and wraps the response body in another web stream:
 * measured at about a sixth of the gateway's CPU on the front page.
 * Consequence: a subgraph's redirect is not followed; it answers as any other
 * non-2xx status does (SUBGRAPH_UNAVAILABLE, "answered HTTP 3xx").
 */
export class SubgraphResponse implements FetcherResponse {
  readonly redirected = false;
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: FieldHeaders;
  readonly #body: Buffer;
  #used = false;

  constructor(url: string, status: number, statusText: string, headers: Record<string, string | string[] | undefined>, body: Buffer) {
    this.url = url;
    this.status = status;
    this.statusText = statusText;
    this.headers = new FieldHeaders(headers);
    this.#body = body;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body, once, as fetch allows (a second read is a TypeError there too). */
  #take(): Buffer {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#body;
  }

  async text(): Promise<string> {
    return utf8Decode(this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(utf8Decode(this.#take()));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const body = this.#take();
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    throw new Error('a subgraph response is read once; nothing clones it');
  }
}

/** WHATWG "UTF-8 decode", as fetch's text() and json() read a body: a leading byte order mark dropped, bad bytes as U+FFFD. */
function utf8Decode(bytes: Buffer): string {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}

/**
 * The GraphQL response in a 2xx answer, read as RemoteGraphQLDataSource's
 * parseBody does: JSON when the content type says so (checked as it does,
 * case-sensitively), else text; anything but an object is not a GraphQL
 * response. The error names what came, shortened: it goes to the log, and
 * a subgraph's page of HTML has no place there in full.
 */
export async function readGraphQLBody(response: SubgraphResponse): Promise<Record<string, unknown>> {
  const contentType = response.headers.get('content-type');
  const isJson = contentType !== null && (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json'));
  const body: unknown = isJson ? await response.json() : await response.text();
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  throw new Error(`Expected JSON response body, but received: ${String(body).slice(0, 200)}`);
}
