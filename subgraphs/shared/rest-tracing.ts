import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracerFor } from '../../common/tracing.ts';

const tracer = tracerFor('storefront-rest-client');

/**
 * A CLIENT span around one REST request attempt (a retried GET is two spans,
 * as OpenTelemetry's HTTP conventions ask), active while `send` runs so the
 * request carries its `traceparent` (rest-client.ts injects it).
 *
 * Named by method and route template ("GET /users/:id"): the concrete path
 * holds user and product ids, and the query string their values.
 */
export function traceRestCall<T>(service: string, call: { readonly method: string; readonly route: string }, send: () => Promise<T>): Promise<T> {
  const attributes = { 'http.request.method': call.method, 'http.route': call.route, 'peer.service': service };
  return tracer.startActiveSpan(`${call.method} ${call.route}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await send();
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      // The error's class or status only: messages can hold upstream bodies and internal URLs.
      span.setStatus({ code: SpanStatusCode.ERROR }).setAttribute('error.type', typeof status === 'number' ? String(status) : (error as Error).name ?? 'Error');
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Records the upstream's HTTP status on the active REST client span. */
export function recordRestStatus(statusCode: number): void {
  trace.getActiveSpan()?.setAttribute('http.response.status_code', statusCode);
}
