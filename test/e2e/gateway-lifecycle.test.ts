import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEADLINE_HEADER } from '../../common/upstream/deadline.ts';
import { startGateway } from '../../gateway/server.ts';
import { composeSupergraph } from '../../schema/compose.ts';
import { loadRoverConfig } from '../../schema/rover-config.ts';
import type { SubgraphName } from '../../subgraphs/shared/config.ts';
import type { RunningSubgraph } from '../../subgraphs/shared/server.ts';
import type { RestServiceHandle, ServiceName } from '../../services/server.ts';
import { logEvents } from '../support/log-events.ts';
import { startSlowProxy } from '../support/slow-proxy.ts';
import { gatewayConfigFor, postGraphQL, silentLogger, startRestServices, startSubgraphs, tokenFor } from '../support/system.ts';
import { waitFor } from '../support/wait.ts';

const SUPERGRAPH = new URL('../../schema/supergraph.graphql', import.meta.url).pathname;
const ROVER = new URL('../../rover.yaml', import.meta.url).pathname;

let rest: Record<ServiceName, RestServiceHandle>;
let subgraphs: Record<SubgraphName, RunningSubgraph>;
before(async () => {
  rest = await startRestServices();
  subgraphs = await startSubgraphs(rest);
});
after(async () => {
  await Promise.all(Object.values(subgraphs ?? {}).map((s) => s.stop()));
  await Promise.all(Object.values(rest ?? {}).map((s) => s.close()));
});


function tempSupergraph(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  copyFileSync(SUPERGRAPH, path);
  return path;
}

describe('gateway health', () => {
  it('answers liveness and readiness once the supergraph is loaded, and not after stop', async () => {
    const gateway = await startGateway(gatewayConfigFor(subgraphs, { exposeRestCalls: false }), silentLogger);
    const base = gateway.url.replace('/graphql', '');
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: 'UP' });
    const ready = await fetch(`${base}/health?ready=true`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { phase: string }).phase, 'ready');
    assert.equal(gateway.state().phase, 'ready');
    const response = await postGraphQL(gateway.url, { query: '{ featuredProducts { id } }' });
    assert.equal(response.body.extensions?.['restCalls'], undefined, 'REST call counts are a development aid, off by default');
    await gateway.stop();
    assert.equal(gateway.state().phase, 'stopped');
    await gateway.stop(); // idempotent
    await assert.rejects(fetch(`${base}/health`));
  });

  it('refuses to start when an override names a subgraph the supergraph does not have', async () => {
    await assert.rejects(startGateway(gatewayConfigFor({ ...subgraphs, catalgo: { url: 'http://127.0.0.1:9/graphql' } }), silentLogger), /unknown subgraph\(s\) catalgo/);
  });

  it('refuses to start on a supergraph file that does not exist or does not parse', async () => {
    await assert.rejects(startGateway(gatewayConfigFor(subgraphs, { supergraphPath: '/nonexistent/supergraph.graphql' }), silentLogger), /ENOENT/);
    const broken = tempSupergraph();
    writeFileSync(broken, 'type Query {');
    await assert.rejects(startGateway(gatewayConfigFor(subgraphs, { supergraphPath: broken }), silentLogger));
  });
});

describe('start-up without every dependency', () => {
  it('starts and serves from the committed supergraph while a subgraph is down, and readiness names the unhealthy one', async () => {
    const down = { ...subgraphs, pricing: { url: 'http://127.0.0.1:1/graphql' } };
    const gateway = await startGateway(gatewayConfigFor(down, { healthCheckIntervalMs: 100 }), silentLogger);
    try {
      const base = gateway.url.replace('/graphql', '');
      await waitFor(async () => ((await (await fetch(`${base}/health?ready=true`)).json()) as { subgraphs: Record<string, string> }).subgraphs['pricing'] === 'DOWN');
      const readiness = await fetch(`${base}/health?ready=true`);
      assert.equal(readiness.status, 200, 'the gateway stays in rotation: it can serve everything but prices');
      const body = (await readiness.json()) as { status: string; subgraphs: Record<string, string> };
      assert.equal(body.status, 'DEGRADED');
      assert.deepEqual(body.subgraphs, { cart: 'UP', catalog: 'UP', pricing: 'DOWN', promotions: 'UP', user: 'UP' });
      const served = await postGraphQL(gateway.url, { query: '{ featuredProducts { name price { onSale } } }' });
      assert.equal((served.body.data?.['featuredProducts'] as unknown[]).length, 12);
      // Prices are optional: served as their fallback (null), marked incomplete.
      assert.ok((served.body.data?.['featuredProducts'] as { price: unknown }[]).every((p) => p.price === null));
      assert.deepEqual(served.body.extensions?.['failedServices'], ['pricing']);
    } finally {
      await gateway.stop();
    }
  });
});

describe('supergraph hot reload', () => {
  it('serves a changed supergraph file without a restart, and keeps the old one when the new one is invalid', async () => {
    const path = tempSupergraph();
    const logs = logEvents();
    const gateway = await startGateway(gatewayConfigFor(subgraphs, { supergraphPath: path, watchSupergraph: true }), logs.logger);
    try {
      const productFields = async () => {
        const response = await postGraphQL(gateway.url, { query: '{ __type(name: "Product") { fields { name } } }' });
        return ((response.body.data?.['__type'] as { fields: { name: string }[] }).fields ?? []).map((f) => f.name);
      };
      assert.ok(!(await productFields()).includes('tagline'));

      const sources = loadRoverConfig(ROVER).map((s) => (s.name === 'catalog' ? { ...s, sdl: s.sdl.replace('  brand: String!', '  brand: String!\n  tagline: String') } : s));
      const outcome = composeSupergraph(sources);
      assert.ok(outcome.ok);
      writeFileSync(path, outcome.supergraphSdl);
      await waitFor(async () => (await productFields()).includes('tagline'));

      // The reload of the bad file is attempted and refused: only then is "still in force" a finding.
      const refused = logs.next('supergraph rejected; keeping the current supergraph');
      writeFileSync(path, 'this is not a supergraph');
      await refused;
      assert.ok((await productFields()).includes('tagline'), 'the last good supergraph stays in force');
      const served = await postGraphQL(gateway.url, { query: '{ featuredProducts { id } }' }, { token: await tokenFor('user-0001') });
      assert.equal(served.body.errors, undefined);
    } finally {
      await gateway.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, then refuses new ones', async () => {
    const proxy = await startSlowProxy(subgraphs.catalog.url.replace('/graphql', ''), 400);
    const gateway = await startGateway(gatewayConfigFor({ ...subgraphs, catalog: { url: `${proxy.url}/graphql` } }), silentLogger);
    try {
      // The operation's fetch, not a health probe: only a request's fetches carry its deadline.
      const arrived = proxy.nextArrival((r) => r.headers[DEADLINE_HEADER] !== undefined);
      const inFlight = postGraphQL(gateway.url, { query: '{ featuredProducts { id name } }' });
      await arrived; // the gateway has sent its subgraph fetch: the request is in flight
      const stopped = gateway.stop();
      const response = await inFlight;
      assert.equal(response.status, 200);
      assert.equal((response.body.data?.['featuredProducts'] as unknown[]).length, 12);
      await stopped;
      await assert.rejects(fetch(gateway.url, { method: 'POST' }));
    } finally {
      await gateway.stop();
      await proxy.close();
    }
  });

  it('with shutdownDelayMs, reports not ready at once and serves on until the delay is over', async () => {
    const gateway = await startGateway(gatewayConfigFor(subgraphs, { shutdownDelayMs: 1500 }), silentLogger);
    const base = gateway.url.replace('/graphql', '');
    try {
      const stopped = gateway.stop();
      let stoppedYet = false;
      void stopped.then(() => (stoppedYet = true));
      assert.equal((await fetch(`${base}/health?ready=true`)).status, 503, 'load balancers see it leave');
      assert.equal((await postGraphQL(gateway.url, { query: '{ featuredProducts { id } }' })).status, 200, 'a request sent meanwhile is still served');
      assert.equal(stoppedYet, false);
      await stopped;
      await assert.rejects(fetch(gateway.url, { method: 'POST' }));
    } finally {
      await gateway.stop();
    }
  });
});
