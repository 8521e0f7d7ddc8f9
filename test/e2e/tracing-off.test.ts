import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RestServiceHandle, ServiceName } from '../../services/server.ts';
import type { SubgraphName } from '../../subgraphs/shared/config.ts';
import type { RunningSubgraph } from '../../subgraphs/shared/server.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { operation } from '../support/operations.ts';
import { postGraphQL, startRestServices, startSubgraphs, tokenFor } from '../support/system.ts';

/**
 * The gateway with tracing off (no OTLP endpoint), as its own process: it
 * installs no OpenTelemetry SDK and does no span or context work per request,
 * yet the trace id still reaches every hop. The subgraphs here run in this
 * test process with tracing off as they ship (their spans are not recorded but
 * propagate `traceparent` to the REST services, which record it).
 */
let rest: Record<ServiceName, RestServiceHandle> | undefined;
let subgraphs: Record<SubgraphName, RunningSubgraph> | undefined;
const gateways: GatewayProcess[] = [];
let url: string;

before(async () => {
  rest = await startRestServices();
  subgraphs = await startSubgraphs(rest);
  const args = ['--log-level', 'info', ...Object.entries(subgraphs).flatMap(([name, s]) => ['--subgraph-url', `${name}=${s.url}`])];
  url = (await startGatewayProcess(args, gateways)).url;
});
after(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await Promise.all(Object.values(subgraphs ?? {}).map((s) => s.stop()));
  await Promise.all(Object.values(rest ?? {}).map((s) => s.close()));
});
beforeEach(() => Object.values(rest!).forEach((s) => s.resetCalls()));

const traceIdsAtRest = () => new Set(Object.values(rest!).flatMap((s) => s.calls.map((c) => c.traceparent?.split('-')[1] ?? 'none')));

async function frontPage(headers?: Record<string, string>) {
  const response = await postGraphQL(url, { query: operation('web', 'FrontPage') }, { token: await tokenFor('user-0001'), ...(headers ? { headers } : {}) });
  assert.equal(response.status, 200);
  assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
}

describe('tracing off at the gateway', () => {
  it("forwards the caller's traceparent: every REST call of the request carries the caller's trace id", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await frontPage({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    assert.deepEqual([...traceIdsAtRest()], [traceId]);
  });

  it('without a traceparent, gives each request one trace id of its own, shared by all its hops', async () => {
    await frontPage();
    const first = [...traceIdsAtRest()];
    assert.equal(first.length, 1, `one trace id across the request's REST calls: ${first.join(', ')}`);
    assert.match(first[0]!, /^[0-9a-f]{32}$/);
    Object.values(rest!).forEach((s) => s.resetCalls());
    await frontPage();
    const second = [...traceIdsAtRest()];
    assert.equal(second.length, 1);
    assert.notEqual(second[0], first[0], 'a new trace per request');
  });

  it('does not forward a malformed traceparent (a new trace starts instead)', async () => {
    await frontPage({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    const ids = [...traceIdsAtRest()];
    assert.equal(ids.length, 1);
    assert.notEqual(ids[0], '0'.repeat(32));
    assert.match(ids[0]!, /^[0-9a-f]{32}$/);
  });
});
