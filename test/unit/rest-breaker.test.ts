import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import { ConfigError } from '../../common/config.ts';
import { createLogger } from '../../common/logger.ts';
import { CallRecorder } from '../../common/upstream/call-recorder.ts';
import type { RestBreakerConfig } from '../../common/upstream/breaker.ts';
import { parseSubgraphConfig } from '../../subgraphs/shared/config.ts';
import { RestClient, type RestCall } from '../../subgraphs/shared/rest-client.ts';
import { closedAfterFile } from '../support/cleanup.ts';

const logger = createLogger('test', 'silent');

/** A real HTTP upstream that answers `status()` and counts every request it receives. */
async function upstream(status: () => number): Promise<{ url: string; server: Server; received: () => number }> {
  let received = 0;
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    received++;
    res.statusCode = status();
    res.setHeader('content-type', 'application/json');
    res.end(res.statusCode < 400 ? '{"ok":true}' : '{"error":"down"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, received: () => received };
}

const { servers, clients } = closedAfterFile<RestClient>();

// Small windows keep the tests fast; the cooldown is long enough that a slow CI
// machine cannot reach half-open between two assertions that expect "open".
const BREAKER: RestBreakerConfig = { enabled: true, failureThresholdPercent: 50, volumeThreshold: 4, windowMs: 10_000, cooldownMs: 400 };
const NO_RETRY = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetPercent: 0, minRetriesPerSecond: 0, minAttemptMs: 0 };

function client(url: string, breaker: Partial<RestBreakerConfig> = {}): RestClient {
  const c = new RestClient({ service: 'pricing', baseUrl: url, timeoutMs: 2000, logger, breaker: { ...BREAKER, ...breaker }, retry: NO_RETRY });
  clients.push(c);
  return c;
}

const GET: RestCall = { method: 'GET', path: '/prices', route: '/prices', resource: 'Prices' };

async function outcome(c: RestClient, recorder = new CallRecorder()): Promise<string> {
  try {
    await c.call(GET, { recorder, requestId: 'r' });
    return 'ok';
  } catch (error) {
    return String((error as GraphQLError).extensions['code']);
  }
}

async function waitForState(c: RestClient, state: string): Promise<void> {
  for (let i = 0; i < 200 && c.breakerState() !== state; i++) await sleep(20);
  assert.equal(c.breakerState(), state);
}

describe('circuit breaker per REST upstream', () => {
  it('opens after the failure threshold; then calls fail fast with UPSTREAM_CIRCUIT_OPEN and the upstream receives nothing', async () => {
    const up = await upstream(() => 503);
    const c = client(up.url);
    assert.equal(c.breakerState(), 'closed');
    for (let i = 0; i < 4; i++) assert.equal(await outcome(c), 'UPSTREAM_SERVICE_ERROR');
    assert.equal(c.breakerState(), 'open');
    assert.equal(up.received(), 4);

    const recorder = new CallRecorder();
    for (let i = 0; i < 20; i++) assert.equal(await outcome(c, recorder), 'UPSTREAM_CIRCUIT_OPEN');
    assert.equal(up.received(), 4, 'an open breaker must not touch the network');
    assert.equal(recorder.total, 0, 'a call refused by the breaker is not a REST call');
  });

  it('names the service in the error and says nothing about the upstream', async () => {
    const up = await upstream(() => 500);
    const c = client(up.url);
    for (let i = 0; i < 4; i++) await outcome(c);
    const error = await c.call(GET, { recorder: new CallRecorder(), requestId: 'r' }).then(
      () => assert.fail('expected UPSTREAM_CIRCUIT_OPEN'),
      (e: GraphQLError) => e,
    );
    assert.equal(error.extensions['code'], 'UPSTREAM_CIRCUIT_OPEN');
    assert.equal(error.extensions['service'], 'pricing');
    assert.doesNotMatch(error.message, /127\.0\.0\.1|down/);
  });

  it('stays closed below the volume threshold, even when every call failed', async () => {
    const up = await upstream(() => 503);
    const c = client(up.url);
    for (let i = 0; i < 3; i++) await outcome(c);
    assert.equal(c.breakerState(), 'closed');
    assert.equal(up.received(), 3);
  });

  it('does not count 404s or 400s as failures', async () => {
    let n = 0;
    const up = await upstream(() => (n++ % 2 === 0 ? 404 : 400));
    const c = client(up.url);
    for (let i = 0; i < 12; i++) assert.match(await outcome(c), /^(NOT_FOUND|UPSTREAM_BAD_REQUEST)$/);
    assert.equal(c.breakerState(), 'closed');
    assert.equal(up.received(), 12);
  });

  it('counts refused connections as failures', async () => {
    const up = await upstream(() => 200);
    const { url } = up;
    up.server.closeAllConnections();
    await new Promise<void>((resolve) => up.server.close(() => resolve()));
    const c = client(url);
    for (let i = 0; i < 4; i++) assert.equal(await outcome(c), 'UPSTREAM_UNAVAILABLE');
    assert.equal(c.breakerState(), 'open');
    assert.equal(await outcome(c), 'UPSTREAM_CIRCUIT_OPEN');
  });

  it('half-opens after the cooldown and closes when the probe succeeds', async () => {
    let status = 503;
    const up = await upstream(() => status);
    const c = client(up.url);
    for (let i = 0; i < 4; i++) await outcome(c);
    assert.equal(c.breakerState(), 'open');
    status = 200;
    await waitForState(c, 'half-open');
    assert.equal(up.received(), 4, 'half-open alone sends nothing');
    assert.equal(await outcome(c), 'ok');
    assert.equal(up.received(), 5, 'exactly one probe');
    assert.equal(c.breakerState(), 'closed');
    for (let i = 0; i < 3; i++) assert.equal(await outcome(c), 'ok');
    assert.equal(up.received(), 8);
  });

  it('lets only one probe through while it is in flight', async () => {
    let status = 503;
    let delayMs = 0;
    let received = 0;
    const server = createServer((_req, res) => {
      received++;
      setTimeout(() => {
        res.statusCode = status;
        res.end('{}');
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const c = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    for (let i = 0; i < 4; i++) await outcome(c);
    status = 200;
    delayMs = 200;
    await waitForState(c, 'half-open');
    const results = await Promise.all([outcome(c), outcome(c), outcome(c)]);
    assert.deepEqual(results.sort(), ['UPSTREAM_CIRCUIT_OPEN', 'UPSTREAM_CIRCUIT_OPEN', 'ok']);
    assert.equal(received, 5);
    assert.equal(c.breakerState(), 'closed');
  });

  it('re-opens when the probe fails, and half-opens again after another cooldown', async () => {
    let status = 503;
    const up = await upstream(() => status);
    const c = client(up.url);
    for (let i = 0; i < 4; i++) await outcome(c);
    await waitForState(c, 'half-open');
    assert.equal(await outcome(c), 'UPSTREAM_SERVICE_ERROR');
    assert.equal(c.breakerState(), 'open');
    assert.equal(await outcome(c), 'UPSTREAM_CIRCUIT_OPEN');
    assert.equal(up.received(), 5);
    status = 200;
    await waitForState(c, 'half-open');
    assert.equal(await outcome(c), 'ok');
    assert.equal(c.breakerState(), 'closed');
  });

  it('a 404 probe closes it: the upstream answered', async () => {
    let status = 503;
    const up = await upstream(() => status);
    const c = client(up.url);
    for (let i = 0; i < 4; i++) await outcome(c);
    status = 404;
    await waitForState(c, 'half-open');
    assert.equal(await outcome(c), 'NOT_FOUND');
    assert.equal(c.breakerState(), 'closed');
  });

  it('never opens when disabled', async () => {
    const up = await upstream(() => 503);
    const c = client(up.url, { enabled: false });
    for (let i = 0; i < 10; i++) assert.equal(await outcome(c), 'UPSTREAM_SERVICE_ERROR');
    assert.equal(c.breakerState(), 'closed');
    assert.equal(up.received(), 10);
  });

  it('keeps one breaker per upstream: one failing service does not open another', async () => {
    const down = await upstream(() => 503);
    const fine = await upstream(() => 200);
    const a = client(down.url);
    const b = client(fine.url);
    for (let i = 0; i < 4; i++) {
      await outcome(a);
      await outcome(b);
    }
    assert.equal(a.breakerState(), 'open');
    assert.equal(b.breakerState(), 'closed');
    assert.equal(await outcome(b), 'ok');
  });
});

describe('breaker and retry config', () => {
  const base = { subgraph: 'pricing', restUrl: 'http://127.0.0.1:9/' };

  it('documents its defaults', () => {
    const config = parseSubgraphConfig(base);
    assert.deepEqual(config.restBreaker, { enabled: true, failureThresholdPercent: 50, volumeThreshold: 10, windowMs: 10_000, cooldownMs: 5000 });
    assert.deepEqual(config.restRetry, { maxAttempts: 2, baseDelayMs: 25, maxDelayMs: 250, budgetPercent: 10, minRetriesPerSecond: 1, minAttemptMs: 100 });
  });

  it('merges a partial override with the defaults', () => {
    const config = parseSubgraphConfig({ ...base, restBreaker: { cooldownMs: 100 }, restRetry: { maxAttempts: 1 } });
    assert.equal(config.restBreaker.cooldownMs, 100);
    assert.equal(config.restBreaker.volumeThreshold, 10);
    assert.equal(config.restRetry.maxAttempts, 1);
    assert.equal(config.restRetry.budgetPercent, 10);
  });

  it('refuses unknown keys and out-of-range values, listing every problem', () => {
    try {
      parseSubgraphConfig({ ...base, restBreaker: { cooldwnMs: 100, failureThresholdPercent: 150 }, restRetry: { maxAttempts: 0, baseDelayMs: 500, maxDelayMs: 100 } });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const keys = error.problems.map((p) => p.split(':')[0]).sort();
      assert.deepEqual(keys, ['restBreaker', 'restBreaker.failureThresholdPercent', 'restRetry.maxAttempts', 'restRetry.maxDelayMs'].sort());
      assert.match(error.problems.join('\n'), /cooldwnMs/);
    }
  });

  it('refuses a maximum delay below the base delay', () => {
    assert.throws(() => parseSubgraphConfig({ ...base, restRetry: { baseDelayMs: 500, maxDelayMs: 100 } }), /restRetry\.maxDelayMs: expected at least baseDelayMs/);
  });
});
