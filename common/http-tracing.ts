import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { extractTraceContext, tracerFor } from './tracing.ts';

/**
 * A SERVER span per request on the given routes, continuing the caller's trace
 * from its `traceparent`. The route handler runs inside the span's context, so
 * everything it awaits (Apollo Server, the gateway's own spans, subgraph and
 * REST calls) nests under it.
 *
 * The handler is wrapped rather than the span activated in an onRequest hook:
 * fastify parses the body in stream callbacks, which lose the hook's context.
 * The span ends when the response is sent (onResponse) or the client goes away.
 *
 * Attributes are the method, the route template and the status: never the URL
 * with its query string (a GET carries the variables there), headers or the
 * client address.
 */
export function traceHttpRequests(app: FastifyInstance, options: { readonly component: string; readonly routes: readonly string[] }): void {
  const tracer = tracerFor(options.component);
  const spans = new WeakMap<FastifyRequest, Span>();

  app.addHook('onRoute', (route) => {
    if (!options.routes.includes(route.url)) return;
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const parent = extractTraceContext(request.headers);
      const span = tracer.startSpan(
        `${request.method} ${route.url}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route.url, 'storefront.request_id': String(request.id) } },
        parent,
      );
      spans.set(request, span);
      return context.with(trace.setSpan(parent, span), handler, this, request, reply);
    };
  });

  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute('error.type', String(reply.statusCode));
    span.end();
  });

  app.addHook('onRequestAbort', async (request) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute('error.type', 'aborted');
    span.end();
  });
}
