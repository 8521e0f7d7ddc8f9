import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installInMemoryTracing } from '../../common/tracing.ts';
import { operation } from '../support/operations.ts';
import { startSystem, tokenFor, type System } from '../support/system.ts';

// Before any server starts: a process has one tracer provider.
const exporter = installInMemoryTracing();
const FRONT_PAGE = operation('web', 'FrontPage');

let system: System;
before(async () => {
  system = await startSystem();
});
after(() => system?.stop());
beforeEach(() => {
  exporter.reset();
  system.resetCalls();
});

const scope = (span: ReadableSpan) => span.instrumentationScope.name;
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The finished spans once the gateway's server span has ended (it ends after the client has the response). */
async function finishedSpans(expectedServerSpans: number): Promise<ReadableSpan[]> {
  for (let waited = 0; waited < 2000; waited += 10) {
    const spans = exporter.getFinishedSpans();
    if (spans.filter((s) => s.kind === SpanKind.SERVER).length >= expectedServerSpans && spans.some((s) => scope(s) === 'gateway-web')) return spans;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return exporter.getFinishedSpans();
}

/** "POST /graphql [gateway-web]" lines indented by depth, for failure messages and reading. */
function renderTree(spans: ReadableSpan[]): string {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number) => {
    const service = span.attributes['service'] ?? span.attributes['peer.service'];
    lines.push(`${'  '.repeat(depth)}${span.name} [${scope(span)}${service ? ` ${String(service)}` : ''}]`);
    spans.filter((c) => parentId(c) === span.spanContext().spanId).sort((a, b) => a.name.localeCompare(b.name)).forEach((c) => walk(c, depth + 1));
  };
  spans.filter((s) => !ids.has(parentId(s) ?? '')).forEach((root) => walk(root, 0));
  return lines.join('\n');
}

async function frontPage(headers?: Record<string, string>) {
  const token = await tokenFor('user-0001');
  const response = await system.graphql({ query: FRONT_PAGE }, { token, ...(headers ? { headers } : {}) });
  assert.equal(response.status, 200);
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  return token;
}

describe('tracing across gateway → subgraph → REST', () => {
  it('records the front page as one trace: gateway server span → gateway.request → one fetch per subgraph fetch → the subgraph server span → its REST calls', async () => {
    const token = await frontPage();
    const fetches = (await finishedSpans(1)).filter((s) => s.name === 'gateway.fetch');
    const all = await finishedSpans(1 + fetches.length);
    const traceId = all.find((s) => scope(s) === 'gateway-web')!.spanContext().traceId;
    const spans = all.filter((s) => s.spanContext().traceId === traceId);
    const tree = renderTree(spans);
    if (process.env['SHOW_TRACE']) console.log(tree);

    // The gateway's background health probes ({ __typename } to each subgraph)
    // are traces of their own: lone subgraph server spans. Everything else is
    // in the request's one trace.
    const outside = all.filter((s) => s.spanContext().traceId !== traceId);
    assert.ok(
      outside.every((s) => s.kind === SpanKind.SERVER && scope(s).startsWith('subgraph-') && s.parentSpanContext === undefined && !all.some((c) => parentId(c) === s.spanContext().spanId)),
      `only health probes outside the request's trace:\n${renderTree(outside)}`,
    );
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (span: ReadableSpan) => byId.get(parentId(span) ?? '');
    const childrenOf = (span: ReadableSpan) => spans.filter((c) => parentId(c) === span.spanContext().spanId);

    const roots = spans.filter((s) => parentOf(s) === undefined);
    assert.equal(roots.length, 1, `one root:\n${tree}`);
    const [root] = roots as [ReadableSpan];
    assert.deepEqual([root.name, scope(root), root.kind, root.attributes['http.response.status_code']], ['POST /graphql', 'gateway-web', SpanKind.SERVER, 200]);
    assert.equal(root.parentSpanContext, undefined, 'no traceparent was sent: the gateway starts the trace');

    const [request] = childrenOf(root);
    assert.equal(request?.name, 'gateway.request', tree);
    assert.equal(request.attributes['graphql.operation.name'], 'FrontPage');
    const execute = childrenOf(request).find((s) => s.name === 'gateway.execute');
    assert.ok(execute, tree);
    assert.ok(fetches.length >= 5, `a fetch per subgraph at least:\n${tree}`);

    const restSpans: ReadableSpan[] = [];
    for (const fetch of fetches) {
      assert.equal(parentOf(fetch), execute, tree);
      const subgraph = String(fetch.attributes['service']);
      const served = childrenOf(fetch);
      // Fetches merged into one HTTP request (docs/subgraph-fetches.md): the first carries the request's span, all say how many went together.
      if (served.length === 0) {
        assert.ok(Number(fetch.attributes['storefront.merged_fetches']) >= 2, `fetch from ${subgraph} without a server span was merged:\n${tree}`);
        continue;
      }
      assert.equal(served.length, 1, `fetch from ${subgraph} has one server span:\n${tree}`);
      const [server] = served as [ReadableSpan];
      assert.deepEqual([server.name, scope(server), server.kind, server.attributes['http.response.status_code']], ['POST /graphql', `subgraph-${subgraph}`, SpanKind.SERVER, 200]);
      // Continued from the traceparent header, not from in-process context.
      assert.equal(server.parentSpanContext?.isRemote, true);
      for (const rest of childrenOf(server)) {
        assert.deepEqual([rest.kind, rest.attributes['peer.service'], rest.attributes['http.response.status_code']], [SpanKind.CLIENT, subgraph, 200], tree);
        restSpans.push(rest);
      }
    }
    assert.deepEqual(
      restSpans.map((s) => s.name).sort(),
      ['GET /carts', 'GET /prices', 'GET /products', 'GET /products/featured', 'GET /promotions', 'GET /users'],
      tree,
    );
    assert.equal(all.filter((s) => s.kind === SpanKind.CLIENT).length, 6, 'no REST span outside a subgraph server span');
    const pricing = fetches.filter((f) => f.attributes['service'] === 'pricing');
    assert.deepEqual(pricing.map((f) => [childrenOf(f).length, f.attributes['storefront.merged_fetches']]).sort(), [[0, 2], [1, 2]], `two pricing fetches, one request:\n${tree}`);

    // Every REST request carried the traceparent of its own client span.
    const calls = Object.values(system.rest).flatMap((s) => s.calls);
    assert.equal(calls.length, 6);
    assert.deepEqual(
      calls.map((c) => c.traceparent).sort(),
      restSpans.map((s) => `00-${traceId}-${s.spanContext().spanId}-01`).sort(),
    );

    // No token, user id or variable value in any attribute.
    const attributes = JSON.stringify(spans.map((s) => s.attributes));
    for (const secret of [token, 'user-0001', 'Bearer', 'prod-']) assert.ok(!attributes.includes(secret), `span attributes contain ${secret}`);
  });

  it('continues the caller’s trace from an incoming traceparent at the gateway', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    await frontPage({ traceparent: `00-${traceId}-${callerSpanId}-01` });
    const spans = await finishedSpans(1);
    const gateway = spans.find((s) => scope(s) === 'gateway-web' && s.kind === SpanKind.SERVER);
    assert.equal(gateway?.spanContext().traceId, traceId);
    assert.deepEqual([gateway.parentSpanContext?.spanId, gateway.parentSpanContext?.isRemote], [callerSpanId, true]);
    assert.ok(spans.filter((s) => s.kind === SpanKind.CLIENT).every((s) => s.spanContext().traceId === traceId));
    assert.ok(Object.values(system.rest).flatMap((s) => s.calls).every((c) => c.traceparent?.startsWith(`00-${traceId}-`)));
  });
});
