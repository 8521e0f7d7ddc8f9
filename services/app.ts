import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Dataset } from './data/types.ts';
import type { ServiceName, ServiceOptions } from './service-names.ts';
import { clientErrorHandler } from '../common/http-server.ts';
import { badRequest, frameworkErrorHandler, installErrorHandling, received } from './errors.ts';
import { MAX_BODY_BYTES } from './limits.ts';
import { userService } from './user.ts';
import { catalogService } from './catalog.ts';
import { cartService } from './cart.ts';
import { pricingService } from './pricing.ts';
import { promotionsService } from './promotions.ts';

const SERVICES = {
  user: userService,
  catalog: catalogService,
  cart: cartService,
  pricing: pricingService,
  promotions: promotionsService,
} as const;

/** One request as the service received it, for tests that assert exactly which calls were made. */
export interface RecordedCall {
  method: string;
  /** The matched route pattern, e.g. '/products/:id'; UNMATCHED_ROUTE when no route matched. */
  route: string;
  /** Path and query string exactly as received. */
  url: string;
  /** The x-request-id header, when the caller sent one. */
  requestId?: string;
  /** The W3C `traceparent` header, when the caller sent a well-formed one. */
  traceparent?: string;
}

export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Longer than any client's idle timeout we expect (undici 4 s, Node's agent 5 s, load
 * balancers 60 s): the server must never close a pooled connection the client is about to
 * reuse, or the client sees a reset on a request it believes is safe to send.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** version-traceid-parentid-flags, lower-case hex (W3C Trace Context). */
const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
// Echoed verbatim into a response header, so only a plain token is accepted.
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

export interface RestAppOptions {
  service: ServiceName;
  dataset: Dataset;
  now: () => Date;
  logger: boolean;
  /** Receives every request except GET /health. */
  calls: RecordedCall[];
}

/** The service as a Fastify instance, not yet listening (tests may use `inject`). */
export async function createRestApp(options: RestAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Warn level: errors only. Lifecycle lines ("listening at") are the caller's to log, once.
    logger: options.logger ? { level: 'warn', base: { service: options.service } } : false,
    // Per-request logs would dominate the gateway benchmarks; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // During close, keep serving requests already on open connections (with `Connection: close`)
    // instead of Fastify's 503 fast path, whose body is not in our error shape.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    bodyLimit: MAX_BODY_BYTES,
    requestIdHeader: 'x-request-id',
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });

  installErrorHandling(app);
  // JSON is the only body type. Fastify's default text/plain parser would turn a body sent
  // without a content type into a string, and the client would read the puzzling
  // `expected an object, received "{...}"`. An empty JSON body becomes `undefined`, so a
  // DELETE sent with a JSON content type is accepted and an empty POST fails validation
  // saying "received nothing".
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest(`body: expected valid JSON, received ${received(text)}`), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : undefined;
    if (requestId) reply.header('x-request-id', requestId);
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    if (route === '/health') return;
    const traceparent = typeof request.headers['traceparent'] === 'string' && TRACEPARENT.test(request.headers['traceparent']) ? request.headers['traceparent'] : undefined;
    options.calls.push({ method: request.method, route, url: request.url, ...(requestId ? { requestId } : {}), ...(traceparent ? { traceparent } : {}) });
  });

  app.get('/health', async () => ({ status: 'ok', service: options.service }));
  const serviceOptions: ServiceOptions = { dataset: options.dataset, now: options.now };
  await app.register(SERVICES[options.service], serviceOptions);
  return app;
}
