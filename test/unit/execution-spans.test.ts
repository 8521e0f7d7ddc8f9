import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApolloGateway, type GatewayConfig } from '@apollo/gateway';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { installInMemoryTracing } from '../../common/tracing.ts';
import { StorefrontGateway } from '../../gateway/execution/gateway.ts';
import { frontsFor, type GatewayFactory } from '../support/federation-corpus/differential.ts';
import { CORPUS } from '../support/federation-corpus/index.ts';

/**
 * With tracing on, our executor makes the spans Apollo's makes (issue 13's
 * executor, gateway/execution/spans.ts): over every case of the federation
 * corpus, the tree of Apollo Gateway spans (scope "apollo/gateway-js") from
 * `StorefrontGateway` equals the tree from `ApolloGateway`: names, parents,
 * attributes, statuses and recorded exceptions (with `telemetry` set to
 * record them and to include the document). Siblings are compared as a
 * sorted list: parallel fetches end in whatever order their subgraphs answer.
 */
// Before any gateway exists: a process has one tracer provider.
const exporter = installInMemoryTracing();
const TELEMETRY: GatewayConfig['telemetry'] = { recordExceptions: true, includeDocument: true };
const withTelemetry = (make: (config: GatewayConfig) => ApolloGateway): GatewayFactory => (config) => make({ ...config, telemetry: TELEMETRY });

const APOLLO_SCOPE = 'apollo/gateway-js';

/** The spans of one operation as an indented tree, each line its name, status, attributes and recorded exceptions. */
function spanTree(spans: readonly ReadableSpan[]): string {
  const ours = spans.filter((s) => s.instrumentationScope.name === APOLLO_SCOPE);
  const ids = new Set(ours.map((s) => s.spanContext().spanId));
  const line = (s: ReadableSpan) => {
    const attributes = Object.entries(s.attributes).sort(([a], [b]) => a.localeCompare(b));
    const exceptions = s.events.map((e) => `${e.name}: ${String(e.attributes?.['exception.type'])} ${String(e.attributes?.['exception.message'])}`);
    return `${s.name} status=${s.status.code} ${JSON.stringify(attributes)}${exceptions.length ? ` ${JSON.stringify(exceptions)}` : ''}`;
  };
  const render = (s: ReadableSpan, depth: number): string => {
    const children = ours.filter((c) => c.parentSpanContext?.spanId === s.spanContext().spanId).map((c) => render(c, depth + 1)).sort();
    return [`${'  '.repeat(depth)}${line(s)}`, ...children].join('\n');
  };
  return ours.filter((s) => !ids.has(s.parentSpanContext?.spanId ?? '')).map((root) => render(root, 0)).sort().join('\n');
}

for (const graph of CORPUS) {
  describe(`spans, ${graph.title}`, () => {
    const fronts = frontsFor(graph, withTelemetry((config) => new ApolloGateway(config)), withTelemetry((config) => new StorefrontGateway(config)));
    for (const testCase of graph.cases) {
      it(testCase.name, async () => {
        const { running, reference, tested } = fronts();
        running.reset();
        exporter.reset();
        const answer = await reference.run(testCase);
        const expected = spanTree(exporter.getFinishedSpans());
        // Refused in validation, before the gateway's executor: no spans on either side.
        if (expected === '') assert.equal(answer.status, 400, 'only a request refused before execution has no spans');
        else assert.match(expected, /^gateway\.request /);
        running.reset();
        exporter.reset();
        await tested.run(testCase);
        const got = spanTree(exporter.getFinishedSpans());
        assert.equal(got, expected);
      });
    }
  });
}
