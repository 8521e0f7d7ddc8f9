import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import { createLogger } from '../../common/logger.ts';
import { CallRecorder } from '../../subgraphs/shared/call-recorder.ts';
import type { RestBreakerConfig, RestRetryConfig } from '../../subgraphs/shared/config.ts';
import { RestClient, type RestCall } from '../../subgraphs/shared/rest-client.ts';
import { backoffDelayMs, RetryBudget } from '../../subgraphs/shared/retry.ts';
import { closedAfterFile } from '../support/cleanup.ts';

const logger = createLogger('test', 'silent');

/** A real HTTP upstream; `handler` gets the 1-based number of the request. It records every request it receives. */
async function upstream(handler: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    handler(received.length, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function answer(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.end(status < 400 ? '{"ok":true}' : '{"error":"x"}');
}

const { servers, clients } = closedAfterFile<RestClient>();

const RETRY: RestRetryConfig = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, budgetPercent: 10, minRetriesPerSecond: 1 };
// A breaker that cannot open in these tests, so only the retry policy is at work.
const QUIET_BREAKER: RestBreakerConfig = { enabled: false, failureThresholdPercent: 50, volumeThreshold: 10, windowMs: 10_000, cooldownMs: 5000 };

function client(url: string, retry: Partial<RestRetryConfig> = {}, breaker: Partial<RestBreakerConfig> = {}, timeoutMs = 2000): RestClient {
  const c = new RestClient({ service: 'catalog', baseUrl: url, timeoutMs, logger, retry: { ...RETRY, ...retry }, breaker: { ...QUIET_BREAKER, ...breaker } });
  clients.push(c);
  return c;
}

const GET: RestCall = { method: 'GET', path: '/products', route: '/products', resource: 'Products' };

async function outcome(c: RestClient, call: RestCall = GET, recorder = new CallRecorder()): Promise<string> {
  try {
    await c.call(call, { recorder, requestId: 'r' });
    return 'ok';
  } catch (error) {
    return String((error as GraphQLError).extensions['code']);
  }
}

describe('retries of REST reads', () => {
  it('retries a GET answered 503 and returns the retry’s answer; both attempts are recorded', async () => {
    const up = await upstream((n, _req, res) => answer(res, n === 1 ? 503 : 200));
    const recorder = new CallRecorder();
    assert.equal(await outcome(client(up.url), GET, recorder), 'ok');
    assert.equal(up.received.length, 2);
    assert.deepEqual(recorder.snapshot(), { 'catalog GET /products': 2 });
  });

  for (const status of [502, 504]) {
    it(`retries a GET answered ${status}`, async () => {
      const up = await upstream((n, _req, res) => answer(res, n === 1 ? status : 200));
      assert.equal(await outcome(client(up.url)), 'ok');
      assert.equal(up.received.length, 2);
    });
  }

  it('retries a GET that timed out', async () => {
    const up = await upstream((n, _req, res) => {
      if (n > 1) answer(res, 200); // the first request never gets an answer
    });
    assert.equal(await outcome(client(up.url, {}, {}, 150)), 'ok');
    assert.equal(up.received.length, 2);
  });

  it('stops at maxAttempts and reports the last failure', async () => {
    const up = await upstream((_n, _req, res) => answer(res, 503));
    assert.equal(await outcome(client(up.url, { maxAttempts: 3 })), 'UPSTREAM_SERVICE_ERROR');
    assert.equal(up.received.length, 3);
  });

  it('does not retry when maxAttempts is 1', async () => {
    const up = await upstream((_n, _req, res) => answer(res, 503));
    assert.equal(await outcome(client(up.url, { maxAttempts: 1 })), 'UPSTREAM_SERVICE_ERROR');
    assert.equal(up.received.length, 1);
  });

  for (const [status, code] of [
    [400, 'UPSTREAM_BAD_REQUEST'],
    [404, 'NOT_FOUND'],
    [409, 'UPSTREAM_BAD_REQUEST'],
    [500, 'UPSTREAM_SERVICE_ERROR'],
  ] as const) {
    it(`does not retry a GET answered ${status}`, async () => {
      const up = await upstream((_n, _req, res) => answer(res, status));
      assert.equal(await outcome(client(up.url, { maxAttempts: 3 })), code);
      assert.equal(up.received.length, 1);
    });
  }

  it('does not retry an unreadable body', async () => {
    const up = await upstream((_n, _req, res) => res.end('<html>proxy</html>'));
    assert.equal(await outcome(client(up.url)), 'UPSTREAM_SERVICE_ERROR');
    assert.equal(up.received.length, 1);
  });

  for (const method of ['POST', 'PATCH', 'DELETE'] as const) {
    it(`never retries a ${method}, even on 503`, async () => {
      const up = await upstream((_n, _req, res) => answer(res, 503));
      const call: RestCall = { method, path: '/carts/u/items', route: '/carts/:userId/items', body: method === 'DELETE' ? undefined : { productId: 'p', quantity: 1 }, resource: 'Cart' };
      assert.equal(await outcome(client(up.url, { maxAttempts: 5, minRetriesPerSecond: 100 }), call), 'UPSTREAM_SERVICE_ERROR');
      assert.equal(up.received.length, 1, 'a non-idempotent call must reach the upstream exactly once');
    });
  }

  it('never retries a POST whose socket was reset', async () => {
    const up = await upstream((_n, req) => req.socket.destroy());
    const call: RestCall = { method: 'POST', path: '/carts/u/items', route: '/carts/:userId/items', body: { productId: 'p', quantity: 1 }, resource: 'Cart' };
    assert.equal(await outcome(client(up.url, { maxAttempts: 5 }), call), 'UPSTREAM_UNAVAILABLE');
    assert.equal(up.received.length, 1);
  });

  it('the budget stops retries when most calls fail', async () => {
    const up = await upstream((_n, _req, res) => answer(res, 503));
    const c = client(up.url, { maxAttempts: 3, budgetPercent: 10, minRetriesPerSecond: 0 });
    for (let i = 0; i < 50; i++) assert.equal(await outcome(c), 'UPSTREAM_SERVICE_ERROR');
    // 50 first attempts earn 5 retries; without a budget there would be 100.
    const retries = up.received.length - 50;
    assert.ok(retries <= 5, `${retries} retries for 50 calls`);
    assert.ok(retries >= 4, `the budget should still allow some retries, got ${retries}`);
  });

  it('does not retry into an open breaker', async () => {
    const up = await upstream((_n, _req, res) => answer(res, 503));
    const c = client(up.url, { maxAttempts: 3, minRetriesPerSecond: 1000 }, { enabled: true, volumeThreshold: 2, cooldownMs: 60_000 });
    const results: string[] = [];
    for (let i = 0; i < 6; i++) results.push(await outcome(c));
    assert.equal(c.breakerState(), 'open');
    // The first call: attempt 1 (volume 1, stays closed), retry (volume 2: opens), no third attempt.
    assert.equal(up.received.length, 2);
    assert.deepEqual(results, ['UPSTREAM_SERVICE_ERROR', ...Array(5).fill('UPSTREAM_CIRCUIT_OPEN')]);
  });
});

describe('full-jitter backoff', () => {
  const config = { baseDelayMs: 25, maxDelayMs: 250 };

  it('grows exponentially up to the cap', () => {
    const top = (retry: number) => backoffDelayMs(retry, config, () => 0.999999);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(top), [24, 49, 99, 199, 249, 249]);
  });

  it('is anywhere from 0 to the ceiling', () => {
    assert.equal(backoffDelayMs(3, config, () => 0), 0);
    for (let i = 0; i < 1000; i++) {
      const d = backoffDelayMs(2, config);
      assert.ok(d >= 0 && d < 50, String(d));
    }
  });
});

describe('retry budget', () => {
  it('allows budgetPercent of the first attempts of the window, plus the reserve', () => {
    let now = 0;
    const budget = new RetryBudget({ budgetPercent: 10, minRetriesPerSecond: 1, windowMs: 10_000 }, () => now);
    for (let i = 0; i < 100; i++) budget.deposit();
    let allowed = 0;
    while (budget.tryWithdraw()) allowed++;
    assert.equal(allowed, 10 + 10); // 10% of 100, plus 1/s over 10 s
  });

  it('forgets deposits and retries older than the window', () => {
    let now = 0;
    const budget = new RetryBudget({ budgetPercent: 10, minRetriesPerSecond: 0, windowMs: 1000 }, () => now);
    for (let i = 0; i < 20; i++) budget.deposit();
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.tryWithdraw(), false);
    now = 1200;
    assert.equal(budget.tryWithdraw(), false, 'old deposits expired');
    for (let i = 0; i < 10; i++) budget.deposit();
    assert.equal(budget.tryWithdraw(), true, 'old retries expired too');
    assert.equal(budget.tryWithdraw(), false);
  });
});
