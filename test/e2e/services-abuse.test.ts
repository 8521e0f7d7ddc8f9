import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startRestService, type RestServiceHandle } from '../../services/server.ts';

// Hostile and malformed input: every answer must be our error shape, with no stack or path.
let cart: RestServiceHandle;
let catalog: RestServiceHandle;
before(async () => {
  cart = await startRestService({ service: 'cart', port: 0 });
  catalog = await startRestService({ service: 'catalog', port: 0 });
});
after(async () => {
  await Promise.all([cart?.close(), catalog?.close()]);
});

async function send(base: RestServiceHandle, path: string, init: RequestInit = {}): Promise<{ status: number; text: string; body: any }> {
  const response = await fetch(base.url + path, init);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

const post = (body: string, contentType = 'application/json') =>
  send(cart, '/carts/user-0001/items', { method: 'POST', headers: { 'content-type': contentType }, body });

function assertClientError(reply: { status: number; text: string; body: any }, status: number, code: string, message?: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body.error.code, code);
  assert.deepStrictEqual(Object.keys(reply.body), ['error']);
  if (message) assert.match(reply.body.error.message, message);
  assert.doesNotMatch(reply.text, /\bat .+:\d+:\d+|node_modules|\.ts\b|stack/i, 'no stack trace or source path');
}

describe('hostile request bodies', () => {
  it('rejects malformed JSON with 400', async () => {
    assertClientError(await post('{"productId": "prod-00001", '), 400, 'BAD_REQUEST', /body: expected valid JSON/);
  });

  for (const [label, quantity, message] of [
    ['a negative quantity', -1, /expected an integer from 1 to 99, received -1/],
    ['a zero quantity', 0, /received 0/],
    ['a huge quantity', 1e12, /received 1000000000000/],
    ['a quantity of 100', 100, /received 100/],
    ['a fractional quantity', 2.5, /expected an integer, received 2.5/],
    ['a quantity as a string', '3', /expected a number, received "3"/],
    ['a null quantity', null, /received null/],
  ] as const) {
    it(`rejects ${label} with 400 naming body.quantity`, async () => {
      assertClientError(await post(JSON.stringify({ productId: 'prod-00001', quantity })), 400, 'BAD_REQUEST', new RegExp(`body\\.quantity: .*${message.source}`));
    });
  }

  it('rejects a number too large for a double (1e400 parses to Infinity)', async () => {
    assertClientError(await post('{"productId":"prod-00001","quantity":1e400}'), 400, 'BAD_REQUEST', /body\.quantity/);
  });

  it('rejects unknown fields, arrays, bare values and an empty body', async () => {
    assertClientError(await post('{"productId":"prod-00001","quantity":1,"price":0}'), 400, 'BAD_REQUEST', /unknown field "price"/);
    assertClientError(await post('[]'), 400, 'BAD_REQUEST', /body: expected an object, received an array/);
    assertClientError(await post('42'), 400, 'BAD_REQUEST', /body: expected an object, received 42/);
    assertClientError(await post(''), 400, 'BAD_REQUEST', /body: expected an object, received nothing/);
  });

  it('rejects a __proto__ key without polluting any prototype', async () => {
    assertClientError(await post('{"__proto__":{"polluted":true},"productId":"prod-00001","quantity":1}'), 400, 'BAD_REQUEST');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('rejects a body sent with any content type but application/json, naming the type received', async () => {
    assertClientError(await post('productId=prod-00001', 'application/x-www-form-urlencoded'), 400, 'BAD_REQUEST', /expected content-type application\/json, received "application\/x-www-form-urlencoded"/);
    assertClientError(await post('{"productId":"prod-00001","quantity":1}', 'text/plain'), 400, 'BAD_REQUEST', /received "text\/plain"/);
  });

  it('rejects a body over 16 KiB', async () => {
    const padding = 'x'.repeat(20_000);
    assertClientError(await post(JSON.stringify({ productId: 'prod-00001', quantity: 1, padding })), 400, 'BAD_REQUEST', /at most 16384 bytes/);
  });

  it('does not echo more than a short excerpt of a long bad value', async () => {
    const reply = await post(JSON.stringify({ productId: 'p'.repeat(10_000), quantity: 1 }));
    assertClientError(reply, 400, 'BAD_REQUEST');
    assert.ok(reply.text.length < 300, `${reply.text.length} bytes`);
  });
});

describe('hostile query strings and paths', () => {
  it('rejects cursors this service did not issue', async () => {
    for (const cursor of ['x', '%00', 'eyJhZnRlciI6MX0', 'A'.repeat(5000)]) {
      assertClientError(await send(catalog, `/products?cursor=${cursor}`), 400, 'BAD_REQUEST', /query\.cursor/);
    }
  });

  it('rejects limits that are not integers from 1 to 100', async () => {
    for (const limit of ['0', '-1', '101', '1.5', '1e2', 'ten', '']) {
      assertClientError(await send(catalog, `/products?limit=${limit}`), 400, 'BAD_REQUEST', /query\.limit/);
    }
  });

  it('rejects an unknown query parameter, naming the accepted ones', async () => {
    assertClientError(await send(catalog, '/products?categoryID=cat-01'), 400, 'BAD_REQUEST', /expected only ids, categoryId, q, limit, cursor, received unknown parameter "categoryID"/);
  });

  it('rejects a search longer than 100 characters', async () => {
    assertClientError(await send(catalog, `/products?q=${'a'.repeat(101)}`), 400, 'BAD_REQUEST', /query\.q/);
  });

  it('answers unknown routes and methods with 404 in the error shape', async () => {
    assertClientError(await send(catalog, '/admin'), 404, 'NOT_FOUND', /no route GET \/admin/);
    assertClientError(await send(catalog, '/products', { method: 'DELETE' }), 404, 'NOT_FOUND');
    assertClientError(await send(catalog, '/products/'), 404, 'NOT_FOUND');
  });

  it('rejects a malformed percent-encoding in the path with 400', async () => {
    assertClientError(await send(catalog, '/products/%E0%A4%A'), 400, 'BAD_REQUEST');
  });
});

describe('malformed HTTP', () => {
  /** Writes raw bytes, returns everything the service sent until it closed the socket. */
  const rawExchange = (bytes: string) => {
    const url = new URL(catalog.url);
    return new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
  };

  // As node:http answers: there is no request to know the method from, and a HEAD client
  // would take a body for its next response (HPE_INVALID_CONSTANT).
  it('answers a request line that is not HTTP with a bodiless 400, then closes', async () => {
    assert.equal(await rawExchange('NOT HTTP AT ALL\r\n\r\n'), 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  it('answers a HEAD with a malformed chunked body with a bodiless 400, then closes', async () => {
    const raw = await rawExchange('HEAD /products/prod-00001 HTTP/1.1\r\nHost: catalog\r\nTransfer-Encoding: chunked\r\n\r\nnot-a-chunk-size\r\n\r\n');
    assert.equal(raw, 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
});
