import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { GraphQLError } from 'graphql';
import { createLogger } from '../../common/logger.ts';
import { CallRecorder } from '../../common/upstream/call-recorder.ts';
import { RestClient } from '../../subgraphs/shared/rest-client.ts';
import { upstreamError } from '../../subgraphs/shared/upstream-errors.ts';
import { closedAfterFile } from '../support/cleanup.ts';

const logger = createLogger('test', 'silent');

/** A real HTTP upstream whose behaviour each test scripts; it records every request it receives. */
async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, received };
}

const { servers, clients } = closedAfterFile<RestClient>();

function client(url: string, timeoutMs = 2000): RestClient {
  const c = new RestClient({ service: 'catalog', baseUrl: url, timeoutMs, logger });
  clients.push(c);
  return c;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: unknown; message: string; service: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as GraphQLError;
    return { code: e.extensions['code'], message: e.message, service: e.extensions['service'] };
  }
  assert.fail('expected the call to fail');
}

describe('status to error code mapping', () => {
  it('maps each upstream outcome to one catalogue code', () => {
    const cases: [Parameters<typeof upstreamError>[2], string][] = [
      [{ kind: 'status', status: 404 }, 'NOT_FOUND'],
      [{ kind: 'status', status: 400 }, 'UPSTREAM_BAD_REQUEST'],
      [{ kind: 'status', status: 409 }, 'UPSTREAM_BAD_REQUEST'],
      [{ kind: 'status', status: 500 }, 'UPSTREAM_SERVICE_ERROR'],
      [{ kind: 'status', status: 503 }, 'UPSTREAM_SERVICE_ERROR'],
      [{ kind: 'timeout', timeoutMs: 100 }, 'UPSTREAM_TIMEOUT'],
      [{ kind: 'unreachable' }, 'UPSTREAM_UNAVAILABLE'],
      [{ kind: 'bad-body' }, 'UPSTREAM_SERVICE_ERROR'],
    ];
    for (const [failure, code] of cases) {
      const error = upstreamError('pricing', 'Price prod-00001', failure);
      assert.equal(error.extensions['code'], code, JSON.stringify(failure));
      assert.equal(error.extensions['service'], 'pricing');
    }
  });
});

describe('REST client', () => {
  it('sends the request id, parses JSON and records the call by route', async () => {
    let seenRequestId: string | undefined;
    const up = await upstream((req, res) => {
      seenRequestId = req.headers['x-request-id'] as string;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: [{ id: 'prod-00001' }] }));
    });
    servers.push(up.server);
    const recorder = new CallRecorder();
    const result = await client(up.url).call({ method: 'GET', path: '/products', route: '/products', query: { ids: 'prod-00001', skip: undefined }, resource: 'Products' }, { recorder, requestId: 'req-1' });
    assert.deepEqual(result, { items: [{ id: 'prod-00001' }] });
    assert.equal(seenRequestId, 'req-1');
    assert.deepEqual(up.received, ['GET /products?ids=prod-00001']);
    assert.deepEqual(recorder.snapshot(), { 'catalog GET /products': 1 });
  });

  it('turns an upstream 500 into UPSTREAM_SERVICE_ERROR without the upstream body or URL', async () => {
    const up = await upstream((_req, res) => {
      res.statusCode = 500;
      res.end('Traceback: secret internal detail at db-7.internal:5432');
    });
    servers.push(up.server);
    const error = await codeOf(client(up.url).call({ method: 'GET', path: '/products/x', route: '/products/:id', resource: 'Product x' }, { recorder: new CallRecorder(), requestId: 'r' }));
    assert.equal(error.code, 'UPSTREAM_SERVICE_ERROR');
    assert.equal(error.service, 'catalog');
    assert.doesNotMatch(error.message, /Traceback|db-7|127\.0\.0\.1/);
  });

  it('turns a 404 into NOT_FOUND naming the resource', async () => {
    const up = await upstream((_req, res) => {
      res.statusCode = 404;
      res.end('{"error":{"code":"NOT_FOUND"}}');
    });
    servers.push(up.server);
    const error = await codeOf(client(up.url).call({ method: 'GET', path: '/products/x', route: '/products/:id', resource: 'Product x' }, { recorder: new CallRecorder(), requestId: 'r' }));
    assert.deepEqual(error, { code: 'NOT_FOUND', message: 'Product x was not found', service: 'catalog' });
  });

  it('turns a non-JSON 200 into UPSTREAM_SERVICE_ERROR', async () => {
    const up = await upstream((_req, res) => res.end('<html>proxy error</html>'));
    servers.push(up.server);
    const error = await codeOf(client(up.url).call({ method: 'GET', path: '/p', route: '/p', resource: 'P' }, { recorder: new CallRecorder(), requestId: 'r' }));
    assert.equal(error.code, 'UPSTREAM_SERVICE_ERROR');
  });

  it('gives up at the per-call deadline with UPSTREAM_TIMEOUT', async () => {
    const up = await upstream(() => {
      /* never answers */
    });
    servers.push(up.server);
    const started = Date.now();
    const error = await codeOf(client(up.url, 150).call({ method: 'GET', path: '/slow', route: '/slow', resource: 'Slow' }, { recorder: new CallRecorder(), requestId: 'r' }));
    const elapsed = Date.now() - started;
    assert.equal(error.code, 'UPSTREAM_TIMEOUT');
    assert.ok(elapsed >= 140 && elapsed < 2000, `timed out after ${elapsed} ms`);
  });

  it('reports a refused connection as UPSTREAM_UNAVAILABLE', async () => {
    const up = await upstream(() => {});
    const { url } = up;
    await new Promise<void>((resolve) => up.server.close(() => resolve()));
    const error = await codeOf(client(url).call({ method: 'GET', path: '/p', route: '/p', resource: 'P' }, { recorder: new CallRecorder(), requestId: 'r' }));
    assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
  });

  it('retries a GET once when the socket is reset before any response', async () => {
    let n = 0;
    const up = await upstream((req, res) => {
      if (++n === 1) {
        req.socket.destroy();
        return;
      }
      res.end('{"ok":true}');
    });
    servers.push(up.server);
    const recorder = new CallRecorder();
    assert.deepEqual(await client(up.url).call({ method: 'GET', path: '/p', route: '/p', resource: 'P' }, { recorder, requestId: 'r' }), { ok: true });
    assert.equal(up.received.length, 2);
    assert.deepEqual(recorder.snapshot(), { 'catalog GET /p': 2 });
  });

  it('never retries a POST, even when the socket is reset', async () => {
    const up = await upstream((req) => req.socket.destroy());
    servers.push(up.server);
    const error = await codeOf(client(up.url).call({ method: 'POST', path: '/carts/u/items', route: '/carts/:userId/items', body: { productId: 'p', quantity: 1 }, resource: 'Cart' }, { recorder: new CallRecorder(), requestId: 'r' }));
    assert.equal(error.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(up.received.length, 1, 'a non-idempotent call must reach the upstream exactly once');
  });

  it('reuses keep-alive connections across calls', async () => {
    const sockets = new Set<unknown>();
    const up = await upstream((req, res) => {
      sockets.add(req.socket);
      res.end('{}');
    });
    servers.push(up.server);
    const c = client(up.url);
    for (let i = 0; i < 20; i++) await c.call({ method: 'GET', path: '/p', route: '/p', resource: 'P' }, { recorder: new CallRecorder(), requestId: 'r' });
    // The pool may open a second socket while the first is being released, but
    // twenty sequential calls must not open anywhere near twenty.
    assert.ok(sockets.size <= 2, `20 calls used ${sockets.size} sockets`);
  });
});
