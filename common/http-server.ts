import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import type { Logger } from './logger.ts';
import { ErrorCode, statusOf } from './errors.ts';
import { traceHttpRequests } from './http-tracing.ts';
import { tracingContextActive } from './tracing.ts';

export interface HttpServerOptions {
  readonly logger: Logger;
  /** Largest accepted request body; larger bodies get 413 PAYLOAD_TOO_LARGE before any parsing. */
  readonly maxBodyBytes: number;
  /** Path of the GraphQL endpoint whose error bodies are normalised to GraphQL shape. */
  readonly graphqlPath: string;
  /** Names this server's spans (instrumentation scope), e.g. "gateway-web", "subgraph-cart". */
  readonly component: string;
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * For a request that is not even valid HTTP (a bad chunk, a request line made
 * of a HEAD's unframed body, oversized headers): node:http's own answers,
 * status line and `Connection: close`, no body. Fastify's default adds a JSON
 * body, which a client that sent HEAD must not read: its parser takes the body
 * for the next response and fails (`HPE_INVALID_CONSTANT`). There is no request
 * to know the method from, so every such answer is bodiless, as node:http's.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
}

/** A GraphQL-over-HTTP error body: `errors` with a catalogue code and no `data` key. */
export function graphqlErrorBody(message: string, code: ErrorCode): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

/**
 * The HTTP layer shared by the gateway and the subgraphs (fastify). It turns
 * every failure that happens before Apollo Server runs (malformed JSON, body too
 * large, wrong content type) into a GraphQL-shaped error with a catalogue code,
 * and Apollo Server's own plain-text 4xx bodies likewise, so clients parse one
 * error format. Nothing here ever echoes a stack trace.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = fastify({
    // pino's Logger is a FastifyBaseLogger at runtime; the cast keeps the
    // instance typed with fastify's default logger so plugins accept it.
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Our own request-log plugin writes one line per GraphQL request; fastify's
    // two lines per HTTP request would only double the volume.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    // Upstream pools (gateway → subgraph) keep sockets idle for up to 30 s; the
    // server must hold them longer than that or it closes a socket just as the
    // client reuses it.
    keepAliveTimeout: 65_000,
    // Honour a caller's x-request-id only when it is short and plain: it ends up
    // in logs and upstream headers, where newlines or megabytes do harm.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    return503OnClosing: true,
    clientErrorHandler,
  });
  // Only the GraphQL route: health checks and metric scrapes would drown the traces.
  // Not at all in `forward` mode (common/tracing.ts): no span, no context per request.
  if (tracingContextActive()) traceHttpRequests(app, { component: options.component, routes: [options.graphqlPath] });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const clientError = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500;
    if (!clientError) request.log.error({ err: error }, 'unhandled error');
    const [message, code] =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? [`request body exceeds the ${options.maxBodyBytes}-byte limit`, ErrorCode.PAYLOAD_TOO_LARGE]
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? ['unsupported content type: send application/json', ErrorCode.BAD_REQUEST]
          : clientError
            ? [`malformed request: ${error.message}`, ErrorCode.BAD_REQUEST]
            : ['Internal server error', ErrorCode.INTERNAL_SERVER_ERROR];
    // fastify's status (415 for a media type) where the catalogue lists it for the code, else the code's own.
    void reply.status(statusOf(code, error.statusCode)).type('application/json; charset=utf-8').send(graphqlErrorBody(message, code));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(statusOf(ErrorCode.BAD_REQUEST, 404)).type('application/json; charset=utf-8').send(graphqlErrorBody(`no route for ${request.method} ${request.url.split('?')[0]}`, ErrorCode.BAD_REQUEST));
  });

  // While closing, answer in-flight requests with `Connection: close`, so their
  // keep-alive sockets end with the response instead of holding shutdown open
  // until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    const type = String(reply.getHeader('content-type') ?? '');
    if (reply.statusCode >= 400 && type.startsWith('text/plain') && request.url.startsWith(options.graphqlPath) && typeof payload === 'string') {
      reply.type('application/json; charset=utf-8');
      return graphqlErrorBody(payload.trim() || 'bad request', ErrorCode.BAD_REQUEST);
    }
    return payload;
  });

  return app;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly port: number;
  constructor(port: number) {
    super(`port ${port} is already in use`);
    this.port = port;
  }
}

/** Listens and returns the bound port; EADDRINUSE becomes a PortInUseError with a clear message. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port);
    throw error;
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
}
