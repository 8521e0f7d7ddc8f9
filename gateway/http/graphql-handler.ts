import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { startDeadline } from '../../common/upstream/deadline.ts';
import { ErrorCode } from '../../common/errors.ts';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../../common/idempotency.ts';
import { signIdentityAssertion, type Identity } from '../../common/identity.ts';
import { forwardedTraceparent } from '../../common/tracing.ts';
import type { KeyObject } from 'node:crypto';
import { admitOperation, refundAdmission, type Caller, type Protections } from '../admission/admit.ts';
import { API_KEY_HEADER, clientKeyOf } from '../admission/client-key.ts';
import type { BatchingConfig } from '../admission/batching-config.ts';
import type { Admission, GraphQLRequestBody } from '../admission/outcome.ts';
import { reject, rejectionBody, type Rejection } from '../admission/rejection.ts';
import type { Authenticator } from '../auth.ts';
import type { GatewayContext } from '../context.ts';

export interface GraphQLHandlerDeps {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly authenticate: Authenticator;
  readonly assertionKey: KeyObject;
  readonly protections: Protections;
  readonly batching: BatchingConfig;
  readonly profile: string;
  readonly requestTimeoutMs: number;
}

/** Who asks, plus the write they name (the IETF Idempotency-Key), if any. */
type Requester = Caller & {
  readonly idempotencyKey?: string;
  /** The signed identity assertion for subgraph fetches, signed when first awaited (see lazyAssertion). */
  readonly identityAssertion: PromiseLike<string>;
  readonly traceparent: string | undefined;
};

interface Answer {
  readonly status: number;
  readonly headers: Iterable<[string, string]>;
  /**
   * Executed answers are UTF-8 bytes, encoded once here: handed a string,
   * fastify measures it (Buffer.byteLength, a pass over up to ~100 KB) and
   * node:http encodes it again when writing. A Buffer goes out with its length.
   */
  readonly body: string | Buffer;
}

/**
 * The GraphQL route. Everything that can refuse a request runs here, before
 * Apollo Server parses a byte: authentication, batching, then admission per
 * operation (persisted queries, limits, cost, budget). Admitted operations go
 * to Apollo Server with the persisted query resolved to text; this is the same
 * call @as-integrations/fastify makes, with the rewritten request.
 */
export function graphqlHandler(deps: GraphQLHandlerDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const requestId = String(request.id);
    let identity: Identity;
    try {
      identity = await deps.authenticate(headerOf(request, 'authorization'));
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      // The identity provider is down: the client's token is not at fault (gateway/auth.ts).
      if (error.extensions['code'] === ErrorCode.SERVICE_UNAVAILABLE) return send(reply, answerRejection(reject(ErrorCode.SERVICE_UNAVAILABLE, error.message, { headers: { 'retry-after': '5' } })));
      return send(reply, answerRejection(reject(ErrorCode.UNAUTHENTICATED, error.message, { headers: { 'www-authenticate': 'Bearer' } })));
    }
    const idempotency = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
    if ('error' in idempotency) {
      return send(reply, answerRejection(reject(ErrorCode.BAD_REQUEST, idempotency.error)));
    }
    const caller: Requester = {
      identity,
      clientKey: clientKeyOf(identity, headerOf(request, API_KEY_HEADER), request.ip),
      clientName: headerOf(request, 'apollographql-client-name')?.slice(0, 64) ?? deps.profile,
      requestId,
      ...(idempotency.key !== undefined ? { idempotencyKey: idempotency.key } : {}),
      identityAssertion: lazyAssertion(deps, identity),
      traceparent: forwardedTraceparent(request.headers['traceparent']),
    };

    const method = request.method;
    if (method !== 'GET' && method !== 'POST') return send(reply, await execute(deps, request, { method, body: request.body, search: searchOf(request) }, caller, undefined));
    if (method === 'GET' && isLandingPageRequest(request)) return send(reply, await execute(deps, request, { method, body: undefined, search: searchOf(request) }, caller, undefined));

    if (method === 'POST' && Array.isArray(request.body)) return send(reply, await batch(deps, request, request.body, caller));
    return send(reply, await single(deps, request, method, request.body, caller));
  };
}

async function single(deps: GraphQLHandlerDeps, request: FastifyRequest, method: 'GET' | 'POST', body: unknown, caller: Requester): Promise<Answer> {
  const admission = await admitOperation(deps.protections, { method, body, query: request.query as Record<string, string> }, caller);
  if (admission.kind === 'reject') return answerRejection(logRejection(deps, caller, admission));
  const forwarded = method === 'GET' ? { method, body: undefined, search: searchFromBody(admission.body) } : { method, body: admission.body, search: '' };
  return execute(deps, request, forwarded, caller, admission);
}

/**
 * Batches run each operation through admission and Apollo Server separately
 * (own context, own cost), and answer a JSON array in request order. A refused
 * operation refuses the whole batch: partial batches are hard for clients to
 * retry correctly.
 */
async function batch(deps: GraphQLHandlerDeps, request: FastifyRequest, operations: unknown[], caller: Requester): Promise<Answer> {
  const max = deps.batching.maxBatchSize;
  if (max === 0) return answerRejection(batchRejection('batched requests are not accepted by this gateway: send one operation per request'));
  if (operations.length === 0 || operations.length > max) return answerRejection(batchRejection(`a batch must hold 1 to ${max} operations, received ${operations.length}`));
  const admissions: Admission[] = [];
  for (const operation of operations) {
    const admission = await admitOperation(deps.protections, { method: 'POST', body: operation, query: {} }, caller);
    if (admission.kind === 'reject') {
      // Admission is sequential, each operation taking its estimate from the
      // budget: none of the earlier ones will run, so all of it goes back.
      await Promise.all(admissions.map((a) => refundAdmission(deps.protections, a)));
      return answerRejection(logRejection(deps, caller, admission));
    }
    admissions.push(admission);
  }
  const answers = await Promise.all(
    admissions.map((a) => execute(deps, request, { method: 'POST', body: (a as Extract<Admission, { kind: 'admit' }>).body, search: '' }, caller, a as Extract<Admission, { kind: 'admit' }>)),
  );
  const parts: Buffer[] = [];
  answers.forEach((a, i) => parts.push(i === 0 ? BATCH_OPEN : COMMA, typeof a.body === 'string' ? Buffer.from(a.body) : a.body));
  parts.push(BATCH_CLOSE);
  return { status: 200, headers: [['content-type', 'application/json; charset=utf-8']], body: Buffer.concat(parts) };
}

async function execute(
  deps: GraphQLHandlerDeps,
  request: FastifyRequest,
  forwarded: { method: string; body: unknown; search: string },
  caller: Requester,
  admission: Extract<Admission, { kind: 'admit' }> | undefined,
): Promise<Answer> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const deadline = startDeadline(deps.requestTimeoutMs);
  const deadlineAt = performance.now() + deps.requestTimeoutMs;
  try {
    const response: HTTPGraphQLResponse = await deps.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: forwarded.method, headers, search: forwarded.search, body: forwarded.body },
      context: async () => ({
        identity: caller.identity,
        requestId: caller.requestId,
        identityAssertion: caller.identityAssertion,
        ...(caller.traceparent !== undefined ? { traceparent: caller.traceparent } : {}),
        restCalls: {},
        deadline: deadline.signal,
        deadlineAt,
        ...(caller.idempotencyKey !== undefined ? { idempotencyKey: caller.idempotencyKey } : {}),
        ...(admission ? { admission } : {}),
      }),
    });
    let body: Buffer;
    if (response.body.kind === 'complete') body = Buffer.from(response.body.string);
    else {
      const chunks: Buffer[] = [];
      for await (const chunk of response.body.asyncIterator) chunks.push(Buffer.from(chunk));
      body = Buffer.concat(chunks);
    }
    return { status: response.status ?? 200, headers: response.headers, body };
  } finally {
    deadline.clear();
  }
}

/**
 * The identity assertion as a thenable that signs when first awaited (by the
 * first subgraph fetch), once per client request: a request refused by
 * admission, or answered without a subgraph fetch (introspection), pays for no
 * signature. Not a getter on the context: Apollo Server copies the context with
 * Object.assign for each operation, which would call it.
 */
function lazyAssertion(deps: GraphQLHandlerDeps, identity: Identity): PromiseLike<string> {
  let signed: Promise<string> | undefined;
  return {
    then(onFulfilled, onRejected) {
      if (!signed) {
        deps.protections.metrics.identityAssertions.inc();
        signed = signIdentityAssertion(deps.assertionKey, identity);
      }
      return signed.then(onFulfilled, onRejected);
    },
  };
}

const BATCH_OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const BATCH_CLOSE = Buffer.from(']');

/** Refusals never reach Apollo Server's request log: one line here, same fields. */
function logRejection(deps: GraphQLHandlerDeps, caller: Caller, rejection: Rejection): Rejection {
  deps.protections.logger.info({ requestId: caller.requestId, profile: deps.profile, status: rejection.status, outcome: 'refused', errorCodes: [rejection.code] }, 'graphql request');
  deps.protections.metrics.requests.inc({ operation: 'unlisted', outcome: 'refused' });
  deps.protections.metrics.errors.inc({ code: rejection.code });
  return rejection;
}

function answerRejection(rejection: Rejection): Answer {
  return {
    status: rejection.status,
    headers: [['content-type', 'application/json; charset=utf-8'], ...Object.entries(rejection.headers ?? {})],
    body: rejectionBody(rejection),
  };
}

function batchRejection(message: string): Rejection {
  return reject(ErrorCode.BATCH_LIMIT, message);
}

function send(reply: FastifyReply, answer: Answer): FastifyReply {
  for (const [key, value] of answer.headers) void reply.header(key, value);
  return reply.code(answer.status).send(answer.body);
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function searchOf(request: FastifyRequest): string {
  const index = request.url.indexOf('?');
  return index === -1 ? '' : request.url.slice(index);
}

/** A GET without an operation: Apollo Server answers its own 400 (its landing page is off; the IDE, where on, answered before this handler). */
function isLandingPageRequest(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown>;
  return query['query'] === undefined && query['documentId'] === undefined && query['extensions'] === undefined;
}

function searchFromBody(body: GraphQLRequestBody): string {
  const params = new URLSearchParams({ query: body.query });
  if (body.operationName !== undefined) params.set('operationName', body.operationName);
  if (body.variables !== undefined) params.set('variables', JSON.stringify(body.variables));
  if (body.extensions !== undefined) params.set('extensions', JSON.stringify(body.extensions));
  return `?${params}`;
}
