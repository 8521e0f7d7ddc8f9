import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { OpenTelemetrySpanNames, recordExceptions, tracer, type OpenTelemetryConfig } from '@apollo/gateway/dist/utilities/opentelemetry.js';

/**
 * The OpenTelemetry spans Apollo's executor makes, made the same way by ours
 * when tracing is on (common/tracing.ts): Apollo's tracer (scope
 * "apollo/gateway-js"), its span names (gateway.request, gateway.plan,
 * gateway.execute, gateway.fetch with its `service`, gateway.postprocessing),
 * and its rules for recording exceptions (the gateway's `telemetry` config)
 * and setting an ERROR status. With tracing off, the executor never comes
 * here: no span objects, no context switches.
 */
export interface Spans {
  /** Apollo Gateway's `telemetry` option (includeDocument, recordExceptions). */
  readonly config: OpenTelemetryConfig | undefined;
}

export const SpanName = OpenTelemetrySpanNames;

/** Records `errors` on `span` (as the config allows) and marks it failed: Apollo's pair of calls. */
export function failSpan(spans: Spans, span: Span, errors: readonly Error[]): void {
  recordExceptions(span, errors, spans.config);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * Runs `run` in a new active span: a thrown error is recorded and rethrown,
 * the span ends when `run` settles. What `run` returns is its own to judge
 * (it may fail the span for errors it returns).
 */
export function inSpan<T>(spans: Spans, name: OpenTelemetrySpanNames, attributes: Attributes, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await run(span);
    } catch (error) {
      failSpan(spans, span, [error as Error]);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The synchronous form, for planning (Apollo plans inside a synchronous span). */
export function inSpanSync<T>(spans: Spans, name: OpenTelemetrySpanNames, attributes: Attributes, run: () => T): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return run();
    } catch (error) {
      failSpan(spans, span, [error as Error]);
      throw error;
    } finally {
      span.end();
    }
  });
}
