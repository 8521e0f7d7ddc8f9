import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import { createLogger } from '../../common/logger.ts';
import { CallRecorder } from '../../common/upstream/call-recorder.ts';
import type { RestBreakerConfig } from '../../common/upstream/breaker.ts';
import type { RestRetryConfig } from '../../subgraphs/shared/config.ts';
import { RestClient, type RestCall } from '../../subgraphs/shared/rest-client.ts';
import { backoffDelayMs, retryFitsDeadline, RetryBudget } from '../../subgraphs/shared/retry.ts';
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

const RETRY: RestRetryConfig = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, budgetPercent: 10, minRetriesPerSecond: 1, minAttemptMs: 100 };
// A breaker that cannot open in these tests, so only the retry policy is at work.
const QUIET_BREAKER: RestBreakerConfig = { enabled: false, failureThresholdPercent: 50, volumeThreshold: 10, windowMs: 10_000, cooldownMs: 5000 };

function client(url: string, retry: Partial<RestRetryConfig> = {}, breaker: Partial<RestBreakerConfig> = {}, timeoutMs = 2000): RestClient {
  const c = new RestClient({ service: 'catalog', baseUrl: url, timeoutMs, logger, retry: { ...RETRY, ...retry }, breaker: { ...QUIET_BREAKER, ...breaker } });
  clients.push(c);
  return c;
}

const GET: RestCall = { method: 'GET', path: '/products', route: '/products', resource: 'Products' };

async function outcome(c: RestClient, call: RestCall = GET, recorder = new CallRecorder(), deadlineAt?: number): Promise<string> {
  try {
    await c.call(call, { recorder, requestId: 'r', ...(deadlineAt === undefined ? {} : { deadlineAt }) });
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

  it('retries a POST that carries an Idempotency-Key (the upstream applies it once), sending the same key each time', async () => {
    const keys: (string | undefined)[] = [];
    const up = await upstream((n, req, res) => {
      keys.push(req.headers['idempotency-key'] as string | undefined);
      answer(res, n === 1 ? 503 : 200);
    });
    const call: RestCall = { method: 'POST', path: '/carts/u/items', route: '/carts/:userId/items', body: { productId: 'p', quantity: 1 }, resource: 'Cart', idempotencyKey: 'k-1' };
    assert.equal(await outcome(client(up.url, { minRetriesPerSecond: 100 }), call), 'ok');
    assert.deepEqual(keys, ['k-1', 'k-1']);
  });

  it('a write that timed out says its outcome is unknown; one never sent (deadline passed) does not', async () => {
    const up = await upstream(() => {}); // never answers
    const call: RestCall = { method: 'POST', path: '/carts/u/items', route: '/carts/:userId/items', body: { productId: 'p', quantity: 1 }, resource: 'Cart' };
    const c = client(up.url, {}, {}, 100);
    const error = await c.call(call, { recorder: new CallRecorder(), requestId: 'r' }).then(() => undefined, (e: GraphQLError) => e);
    assert.deepEqual([error?.extensions['code'], error?.extensions['outcome']], ['UPSTREAM_TIMEOUT', 'unknown']);
    const late = await c.call(call, { recorder: new CallRecorder(), requestId: 'r', deadlineAt: performance.now() - 1 }).then(() => undefined, (e: GraphQLError) => e);
    assert.deepEqual([late?.extensions['code'], late?.extensions['outcome']], ['UPSTREAM_TIMEOUT', undefined]);
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

describe('REST calls within the request deadline', () => {
  const hang = () => {}; // never answers
  const inMs = (ms: number) => performance.now() + ms;

  it('cuts an attempt to what is left of the deadline and does not retry once it is spent', async () => {
    const up = await upstream(hang);
    const started = performance.now();
    assert.equal(await outcome(client(up.url, {}, {}, 2000), GET, new CallRecorder(), inMs(200)), 'UPSTREAM_TIMEOUT');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 1000, `gave up after ${elapsed} ms; the deadline was 200 ms, the per-call timeout 2000 ms`);
    assert.equal(up.received.length, 1);
  });

  it('does not start a retry (nor its backoff) when less than minAttemptMs would be left after the backoff', async () => {
    const up = await upstream((_n, _req, res) => answer(res, 503));
    const started = performance.now();
    assert.equal(await outcome(client(up.url, { minAttemptMs: 500, baseDelayMs: 200, maxDelayMs: 200 }), GET, new CallRecorder(), inMs(400)), 'UPSTREAM_SERVICE_ERROR');
    assert.equal(up.received.length, 1);
    assert.ok(performance.now() - started < 200, 'answered at once, without sleeping the backoff');
  });

  it('retries when the deadline leaves room, the retry cut to the time left', async () => {
    const up = await upstream((n, _req, res) => {
      if (n === 1) answer(res, 503); // the retry hangs
    });
    const started = performance.now();
    assert.equal(await outcome(client(up.url, { minAttemptMs: 50 }, {}, 2000), GET, new CallRecorder(), inMs(300)), 'UPSTREAM_TIMEOUT');
    const elapsed = performance.now() - started;
    assert.equal(up.received.length, 2);
    assert.ok(elapsed >= 290 && elapsed < 1000, `gave up after ${elapsed} ms; the deadline was 300 ms`);
  });

  it('fails at once with UPSTREAM_TIMEOUT when the deadline has passed, sending and recording nothing', async () => {
    const up = await upstream((_n, _req, res) => answer(res, 200));
    const recorder = new CallRecorder();
    const c = client(up.url);
    for (const call of [GET, { ...GET, method: 'POST', body: {} } as const]) {
      try {
        await c.call(call, { recorder, requestId: 'r', deadlineAt: inMs(-1) });
        assert.fail('expected UPSTREAM_TIMEOUT');
      } catch (error) {
        assert.equal((error as GraphQLError).extensions['code'], 'UPSTREAM_TIMEOUT');
        assert.equal((error as GraphQLError).message, "catalog service was not called: the request's deadline had passed");
      }
    }
    assert.equal(up.received.length, 0);
    assert.deepEqual(recorder.snapshot(), {});
  });

  it('without a deadline, an attempt has the whole per-call timeout', async () => {
    const up = await upstream((n, _req, res) => setTimeout(() => answer(res, 200), n === 1 ? 300 : 0));
    assert.equal(await outcome(client(up.url, {}, {}, 2000)), 'ok');
    assert.equal(up.received.length, 1);
  });
});

describe('retry within the deadline (decision)', () => {
  it('retries only when minAttemptMs is left after the backoff', () => {
    assert.equal(retryFitsDeadline(Infinity, 250, 100), true, 'no deadline');
    assert.equal(retryFitsDeadline(1000, 250, 100), true);
    assert.equal(retryFitsDeadline(350, 250, 100), true, 'exactly enough');
    assert.equal(retryFitsDeadline(349, 250, 100), false);
    assert.equal(retryFitsDeadline(100, 0, 100), true);
    assert.equal(retryFitsDeadline(0, 0, 0), true, 'minAttemptMs 0 leaves it to the spent-deadline check');
    assert.equal(retryFitsDeadline(0, 0, 1), false);
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
