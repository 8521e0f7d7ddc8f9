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
      const response = await agent.request({ ...target, method: method as Dispatcher.HttpMethod, headers: headers.fields, body, signal });
      return new SubgraphResponse(url, response);
    },
  };
  return { fetcher, close: () => agent.close() };
}

/**
 * A subgraph's answer as a fetch Response (what `response.http` and
 * errorFromResponse are given in RemoteGraphQLDataSource), over undici's
 * `request`: its header record is read in place, never copied into Headers.
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
  readonly #body: Dispatcher.ResponseData['body'];

  constructor(url: string, response: Dispatcher.ResponseData) {
    this.url = url;
    this.status = response.statusCode;
    this.statusText = response.statusText;
    this.headers = new FieldHeaders(response.headers);
    this.#body = response.body;
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
    throw new Error('a subgraph response is read once; nothing clones it');
  }
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
