import { GraphQLError } from 'graphql';

/**
 * The error catalogue: every `extensions.code` this system puts in a response.
 *
 * Names reuse what the ecosystem already knows (Apollo Server's built-in codes,
 * Apollo Router's limits and persisted-query codes); our own codes cover upstream
 * failures. ERROR_CATALOGUE below gives each its HTTP status and kind; every code
 * is listed in docs/errors.md (a test keeps the two in step).
 */
export const ErrorCode = {
  /** Request was not authenticated: bearer token missing, malformed, expired or wrongly signed. HTTP 401. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Authenticated, but not allowed to do this. HTTP 200 (field error). */
  FORBIDDEN: 'FORBIDDEN',
  /** The operation's arguments or variables are invalid for the business rules (e.g. quantity 0). HTTP 200 (field error). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** A requested entity does not exist (REST 404). HTTP 200 (field error). */
  NOT_FOUND: 'NOT_FOUND',
  /** The GraphQL document does not parse. HTTP 400. (Apollo Server built-in.) */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The GraphQL document does not validate against the schema. HTTP 400. (Apollo Server built-in.) */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** `operationName` names no operation in the document. HTTP 400. (Apollo Server built-in.) */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** The HTTP request is not a well-formed GraphQL request (bad JSON, missing query, bad variables). HTTP 400; 404 no such route, 405 a mutation over GET, 415 not JSON. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request body is larger than the configured maximum. HTTP 413. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The gateway is not ready (no supergraph loaded yet) or is shutting down, or cannot read the identity provider's keys to check a token. HTTP 503. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** A REST upstream answered 5xx or an unreadable body. HTTP 200 (field error, partial data). */
  UPSTREAM_SERVICE_ERROR: 'UPSTREAM_SERVICE_ERROR',
  /** A REST upstream did not answer within its timeout. HTTP 200 (field error, partial data). */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /** A REST upstream could not be reached (connection refused or reset). HTTP 200 (field error, partial data). */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** A REST upstream rejected the call as invalid (4xx other than 404) — a bug on our side, not the client's. HTTP 200 (field error). */
  UPSTREAM_BAD_REQUEST: 'UPSTREAM_BAD_REQUEST',
  /** A REST upstream's circuit breaker is open after repeated failures: the call failed fast, without reaching the network. HTTP 200 (field error, partial data). */
  UPSTREAM_CIRCUIT_OPEN: 'UPSTREAM_CIRCUIT_OPEN',
  /** A subgraph could not be reached or answered with a non-GraphQL response. HTTP 200 (field error, partial data). */
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  /** Operation deeper than the profile's maxDepth (graphql-depth-limit counting). HTTP 400. (Apollo Router name.) */
  MAX_DEPTH_LIMIT: 'MAX_DEPTH_LIMIT',
  /** More aliases than the profile's maxAliases. HTTP 400. (Apollo Router name.) */
  MAX_ALIASES_LIMIT: 'MAX_ALIASES_LIMIT',
  /** More root fields than the profile's maxRootFields. HTTP 400. (Apollo Router name.) */
  MAX_ROOT_FIELDS_LIMIT: 'MAX_ROOT_FIELDS_LIMIT',
  /** More fields in total (height) than the profile's maxHeight. HTTP 400. (Apollo Router name.) */
  MAX_HEIGHT_LIMIT: 'MAX_HEIGHT_LIMIT',
  /** More directives than the profile's maxDirectives. HTTP 400. */
  MAX_DIRECTIVES_LIMIT: 'MAX_DIRECTIVES_LIMIT',
  /** More lexical tokens than the profile's maxTokens. HTTP 400. */
  MAX_TOKENS_LIMIT: 'MAX_TOKENS_LIMIT',
  /** Document text longer than the profile's maxDocumentBytes. HTTP 400. */
  MAX_DOCUMENT_SIZE_LIMIT: 'MAX_DOCUMENT_SIZE_LIMIT',
  /** The document repeats fields so often that validating it would take more than graphql-js's 500,000 field comparisons (2,400 copies of one field do). HTTP 400, extensions.validation { fieldSelections, maxComparisons }. */
  MAX_VALIDATION_COMPLEXITY_LIMIT: 'MAX_VALIDATION_COMPLEXITY_LIMIT',
  /** A batched (JSON array) request when batching is off, or more operations than the cap. HTTP 400. */
  BATCH_LIMIT: 'BATCH_LIMIT',
  /** Estimated cost above the profile's maxCost. HTTP 400, extensions.cost { estimated, max }. (Apollo Router name.) */
  COST_ESTIMATED_TOO_EXPENSIVE: 'COST_ESTIMATED_TOO_EXPENSIVE',
  /** The client's cost budget is exhausted. HTTP 429 with Retry-After. (Shopify name.) */
  THROTTLED: 'THROTTLED',
  /** APQ hash not known yet: resend with the query text. HTTP 200 (clients retry). (Apollo name.) */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** The operation is not in the profile's persisted-query list (safelist). HTTP 400. (Apollo Router name.) */
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** The profile only accepts persisted-query ids, and the request sent a body. HTTP 400. (Apollo Router name.) */
  PERSISTED_QUERY_ID_REQUIRED: 'PERSISTED_QUERY_ID_REQUIRED',
  /** The query text does not hash to the id sent with it. HTTP 400. */
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  /** A request sent both a persisted-query id and a different query body. HTTP 400. (Apollo Router name.) */
  CANNOT_SEND_PQ_ID_AND_BODY: 'CANNOT_SEND_PQ_ID_AND_BODY',
  /** The gateway's circuit breaker for a subgraph is open after repeated failures: fetches fail fast. HTTP 200 (field error, partial data). */
  SUBGRAPH_CIRCUIT_OPEN: 'SUBGRAPH_CIRCUIT_OPEN',
  /** A subgraph did not answer within its timeout (`subgraphTimeoutsMs`, else `subgraphTimeoutMs`). HTTP 200 (field error, partial data). */
  SUBGRAPH_TIMEOUT: 'SUBGRAPH_TIMEOUT',
  /** The request's overall deadline (`requestTimeoutMs`) passed: unfinished subgraph fetches were abandoned. HTTP 200 (field error, partial data). (Apollo Router name.) */
  GATEWAY_TIMEOUT: 'GATEWAY_TIMEOUT',
  /** The Idempotency-Key was already used for a different request (the cart service answered 422). HTTP 200 (field error); or 400 when the header itself is malformed (BAD_REQUEST). */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** Anything unexpected. The message is generic; details go to the logs only. HTTP 500. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What kind of failure a code reports, for whoever must act on it:
 * - client: the request itself is wrong (syntax, shape, arguments, method); the client must change it.
 * - auth: who is asking, or what they may do.
 * - limit: a protection refused the operation (size and shape limits, cost, budget, batching).
 * - persisted-query: the persisted-query policy refused or needs the query text.
 * - upstream: a service behind the gateway failed (a subgraph, or a REST service behind one);
 *   the response is partial, and fallbacks and the completeness signal cover these.
 * - unavailable: the gateway itself cannot serve right now.
 * - internal: a bug or anything unexpected.
 */
export type ErrorKind = 'client' | 'auth' | 'limit' | 'persisted-query' | 'upstream' | 'unavailable' | 'internal';

export interface CatalogueEntry {
  /**
   * HTTP status of a response this error ends (no `data` key); 200 for codes that
   * only ever appear as field errors in a partial response.
   */
  readonly status: number;
  readonly kind: ErrorKind;
  /** Other statuses documented for this code (a field error's 200, a 404 route), in docs/errors.md order. */
  readonly otherStatuses?: readonly number[];
}

/**
 * Status and kind of every code, as docs/errors.md lists them (a test keeps the
 * two in step). Call sites never write a status: refusals take it from here.
 */
export const ERROR_CATALOGUE = {
  UNAUTHENTICATED: { status: 401, kind: 'auth', otherStatuses: [200] },
  FORBIDDEN: { status: 200, kind: 'auth' },
  BAD_USER_INPUT: { status: 200, kind: 'client' },
  NOT_FOUND: { status: 200, kind: 'client' },
  GRAPHQL_PARSE_FAILED: { status: 400, kind: 'client' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, kind: 'client' },
  OPERATION_RESOLUTION_FAILURE: { status: 400, kind: 'client' },
  // 404: no such route; 405: a mutation over GET (GraphQL over HTTP); 415: a body that is not JSON.
  BAD_REQUEST: { status: 400, kind: 'client', otherStatuses: [404, 405, 415] },
  PAYLOAD_TOO_LARGE: { status: 413, kind: 'limit' },
  SERVICE_UNAVAILABLE: { status: 503, kind: 'unavailable' },
  UPSTREAM_SERVICE_ERROR: { status: 200, kind: 'upstream' },
  UPSTREAM_TIMEOUT: { status: 200, kind: 'upstream' },
  UPSTREAM_UNAVAILABLE: { status: 200, kind: 'upstream' },
  UPSTREAM_BAD_REQUEST: { status: 200, kind: 'upstream' },
  UPSTREAM_CIRCUIT_OPEN: { status: 200, kind: 'upstream' },
  SUBGRAPH_UNAVAILABLE: { status: 200, kind: 'upstream' },
  MAX_DEPTH_LIMIT: { status: 400, kind: 'limit' },
  MAX_ALIASES_LIMIT: { status: 400, kind: 'limit' },
  MAX_ROOT_FIELDS_LIMIT: { status: 400, kind: 'limit' },
  MAX_HEIGHT_LIMIT: { status: 400, kind: 'limit' },
  MAX_DIRECTIVES_LIMIT: { status: 400, kind: 'limit' },
  MAX_TOKENS_LIMIT: { status: 400, kind: 'limit' },
  MAX_DOCUMENT_SIZE_LIMIT: { status: 400, kind: 'limit' },
  MAX_VALIDATION_COMPLEXITY_LIMIT: { status: 400, kind: 'limit' },
  BATCH_LIMIT: { status: 400, kind: 'limit' },
  COST_ESTIMATED_TOO_EXPENSIVE: { status: 400, kind: 'limit' },
  THROTTLED: { status: 429, kind: 'limit' },
  PERSISTED_QUERY_NOT_FOUND: { status: 200, kind: 'persisted-query' },
  PERSISTED_QUERY_NOT_IN_LIST: { status: 400, kind: 'persisted-query' },
  PERSISTED_QUERY_ID_REQUIRED: { status: 400, kind: 'persisted-query' },
  PERSISTED_QUERY_HASH_MISMATCH: { status: 400, kind: 'persisted-query' },
  CANNOT_SEND_PQ_ID_AND_BODY: { status: 400, kind: 'persisted-query' },
  SUBGRAPH_CIRCUIT_OPEN: { status: 200, kind: 'upstream' },
  SUBGRAPH_TIMEOUT: { status: 200, kind: 'upstream' },
  GATEWAY_TIMEOUT: { status: 200, kind: 'upstream' },
  IDEMPOTENCY_KEY_REUSED: { status: 200, kind: 'client' },
  INTERNAL_SERVER_ERROR: { status: 500, kind: 'internal', otherStatuses: [200] },
} as const satisfies Record<ErrorCode, CatalogueEntry>;

/** The statuses other than the default that the catalogue lists for `C`. */
export type OtherStatus<C extends ErrorCode> = (typeof ERROR_CATALOGUE)[C] extends { readonly otherStatuses: readonly (infer S)[] } ? S : never;

function entryOf(code: unknown): CatalogueEntry | undefined {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code) ? ERROR_CATALOGUE[code as ErrorCode] : undefined;
}

/**
 * The HTTP status a response ended by `code` answers with: `proposed` when the
 * catalogue lists it for that code (the HTTP layer's 404 or 415 for BAD_REQUEST),
 * else the code's default.
 */
export function statusOf(code: ErrorCode, proposed?: number): number {
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  return proposed !== undefined && entry.otherStatuses?.includes(proposed) ? proposed : entry.status;
}

/** The kind of a code; undefined for anything not in the catalogue (a foreign or missing code). */
export function kindOf(code: unknown): ErrorKind | undefined {
  return entryOf(code)?.kind;
}

/** Whether `code` says a service behind the gateway failed (not the client, not the gateway). */
export function isUpstreamFailure(code: unknown): boolean {
  return kindOf(code) === 'upstream';
}

/** Extra, non-secret facts a client may act on (e.g. which service failed). */
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** Builds a GraphQL error carrying a catalogue code. Callers never write codes inline. */
export function storefrontError(code: ErrorCode, message: string, options: { details?: ErrorDetails } = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...options.details } });
}

/** An error that ends the whole request: it also carries the catalogue's HTTP status for the code. */
export function requestError(code: ErrorCode, message: string, options: { details?: ErrorDetails } = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...options.details, http: { status: statusOf(code) } } });
}

/** The codes whose messages are safe to show as written; anything else is masked. */
export const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));
