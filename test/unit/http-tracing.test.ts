import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { createHttpServer } from '../../common/http-server.ts';
import { createLogger } from '../../common/logger.ts';
import { injectTraceContext, installInMemoryTracing } from '../../common/tracing.ts';

const exporter = installInMemoryTracing();
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

/** A server like the gateway's whose GraphQL route reports the traceparent it would send downstream. */
const app = createHttpServer({ logger: createLogger('test', 'silent'), maxBodyBytes: 1024 * 1024, graphqlPath: '/graphql', component: 'gateway-web' });
app.post('/graphql', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1)); // context must survive awaits
  const headers: Record<string, string> = {};
  injectTraceContext(headers);
  return { traceparent: headers['traceparent'], active: trace.getActiveSpan()?.spanContext().spanId };
});
app.get('/health', async () => ({ status: 'UP' }));
after(() => app.close());
beforeEach(() => exporter.reset());

/** Spans end in fastify's onResponse hook, which may run just after inject() resolves. */
async function finished(count: number) {
  for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  return exporter.getFinishedSpans();
}

const post = (headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/graphql?variables=%7B%22secret%22%3A1%7D', headers: { 'content-type': 'application/json', ...headers }, payload: '{"query":"{ __typename }"}' });

describe('HTTP server spans', () => {
  it('continues the caller’s trace from an incoming traceparent', async () => {
    const response = await post({ traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` });
    const [span] = await finished(1);
    assert.ok(span);
    assert.equal(span.spanContext().traceId, TRACE_ID);
    assert.deepEqual([span.parentSpanContext?.spanId, span.parentSpanContext?.isRemote], [CALLER_SPAN_ID, true]);
    assert.deepEqual([span.name, span.kind, span.instrumentationScope.name], ['POST /graphql', SpanKind.SERVER, 'gateway-web']);
    // The handler ran inside the span and would send its own span id downstream.
    const body = response.json<{ traceparent: string; active: string }>();
    assert.equal(body.active, span.spanContext().spanId);
    assert.equal(body.traceparent, `00-${TRACE_ID}-${span.spanContext().spanId}-01`);
  });

  it('starts a new trace without a traceparent, and ignores a malformed one', async () => {
    await post();
    await post({ traceparent: 'not-a-traceparent' });
    const spans = await finished(2);
    assert.equal(spans.length, 2);
    assert.ok(spans.every((s) => s.parentSpanContext === undefined));
    assert.notEqual(spans[0]!.spanContext().traceId, spans[1]!.spanContext().traceId);
  });

  it('records method, route and status, never the query string', async () => {
    await post();
    const [span] = await finished(1);
    assert.deepEqual(span?.attributes['http.response.status_code'], 200);
    assert.equal(span.attributes['http.route'], '/graphql');
    assert.ok(!JSON.stringify(span.attributes).includes('secret'));
  });

  it('does not trace health checks', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    assert.deepEqual(await finished(1), []);
  });
});
