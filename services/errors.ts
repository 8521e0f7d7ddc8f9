import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_BODY_BYTES } from './limits.ts';

/**
 * The catalogue of REST error codes and their HTTP statuses. Every error response of every
 * service is `{ "error": { "code": <one of these>, "message": <text> } }`; subgraphs map
 * on `code`, never on message text.
 *
 * - NOT_FOUND    404  an unknown id in a path, an item not in the cart, an unknown route
 * - BAD_REQUEST  400  any invalid input: query, params, body, malformed JSON, wrong
 *                     content type, oversized body, too many ids, a malformed cursor
 * - CONFLICT     409  a valid request the current state refuses (a cart already at its line limit)
 * - IDEMPOTENCY_KEY_REUSED 422  an Idempotency-Key already used for a different request
 * - INTERNAL     500  a bug; the message is generic and the details go to the log
 */
export const ERROR_STATUS = {
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
} as const;

export type RestErrorCode = keyof typeof ERROR_STATUS;

export interface RestErrorBody {
  error: { code: RestErrorCode; message: string };
}

export class RestError extends Error {
  readonly statusCode: number;
  readonly code: RestErrorCode;
  constructor(code: RestErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'RestError';
    this.statusCode = ERROR_STATUS[code];
  }
}

export const notFound = (message: string): RestError => new RestError('NOT_FOUND', message);
export const badRequest = (message: string): RestError => new RestError('BAD_REQUEST', message);
export const conflict = (message: string): RestError => new RestError('CONFLICT', message);

export function errorBody(code: RestErrorCode, message: string): RestErrorBody {
  return { error: { code, message } };
}

const INTERNAL_MESSAGE = 'internal error; see the service log';

/**
 * Routes every failure Fastify can produce into the catalogue shape: our own RestErrors,
 * Fastify's 4xx errors (bad JSON, unsupported content type, body too large), unknown routes,
 * and anything unexpected, whose message and stack stay in the log.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 'NOT_FOUND', `no route ${request.method} ${pathOf(request)}`);
  });

  app.setErrorHandler((error: FastifyError | RestError, request, reply) => {
    if (error instanceof RestError) return sendError(reply, error.code, error.message);
    const status = error.statusCode ?? 500;
    if (status === 404) return sendError(reply, 'NOT_FOUND', error.message);
    if (status >= 400 && status < 500) return sendError(reply, 'BAD_REQUEST', clientErrorMessage(error, request));
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 'INTERNAL', INTERNAL_MESSAGE);
  });
}

/**
 * For the `frameworkErrors` server option: errors raised before routing (a malformed
 * percent-encoding, an over-long path parameter). Fastify's message quotes the whole path,
 * so ours quotes a bounded excerpt instead. These requests reach no hook and are not recorded.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const what = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'path parameters of at most 100 characters' : 'a valid percent-encoded path';
  sendError(reply, 'BAD_REQUEST', `url: expected ${what}, received ${received(pathOf(request))}`);
}

function sendError(reply: FastifyReply, code: RestErrorCode, message: string): FastifyReply {
  return reply.code(ERROR_STATUS[code]).type('application/json; charset=utf-8').send(errorBody(code, message));
}

// Fastify's own 4xx messages are safe to show (no paths or stacks) but say little on their own.
function clientErrorMessage(error: FastifyError, request: FastifyRequest): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `body: expected content-type application/json, received ${received(request.headers['content-type'])}`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body: expected at most ${MAX_BODY_BYTES} bytes, received more`;
    default:
      return error.message;
  }
}

function pathOf(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}

/** A short, safe rendering of client input for an error message: never echo more than ~60 chars. */
export function received(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 60)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}
