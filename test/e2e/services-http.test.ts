import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { getDataset } from '../../services/data/seed.ts';
import { SERVICE_NAMES, startRestService, type RestServiceHandle, type ServiceName } from '../../services/server.ts';

const dataset = getDataset();
const services = {} as Record<ServiceName, RestServiceHandle>;

before(async () => {
  for (const name of SERVICE_NAMES) services[name] = await startRestService({ service: name, port: 0 });
});
after(async () => {
  await Promise.all(Object.values(services).map((s) => s.close()));
});

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

async function call(service: ServiceName, path: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(services[service].url + path, {
    method: init.method ?? 'GET',
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);
const userWithoutCart = dataset.users.find((u) => !dataset.carts.some((c) => c.userId === u.id))!.id;
const hundredIds = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}${i}`).join(',');

function assertError(reply: Reply, status: number, code: string, message?: RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.deepStrictEqual(Object.keys(reply.body), ['error']);
  assert.deepStrictEqual(Object.keys(reply.body.error).sort(), ['code', 'message']);
  assert.equal(reply.body.error.code, code);
  if (message) assert.match(reply.body.error.message, message);
}

describe('every REST service', () => {
  it('reports the real port and a 127.0.0.1 url when started on port 0', () => {
    for (const s of Object.values(services)) {
      assert.ok(s.port > 0);
      assert.equal(s.url, `http://127.0.0.1:${s.port}`);
    }
  });

  it('answers GET /health with its name, and leaves it out of the call record', async () => {
    for (const name of SERVICE_NAMES) {
      services[name].resetCalls();
      const reply = await call(name, '/health');
      assert.deepStrictEqual([reply.status, reply.body], [200, { status: 'ok', service: name }]);
      assert.deepStrictEqual(services[name].calls, []);
    }
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    for (const name of SERVICE_NAMES) assertError(await call(name, '/no/such/route'), 404, 'NOT_FOUND', /GET \/no\/such\/route/);
  });

  it('echoes x-request-id', async () => {
    const reply = await call('user', '/users/user-0001', { headers: { 'x-request-id': 'req-42' } });
    assert.equal(reply.headers.get('x-request-id'), 'req-42');
  });

  it('tells clients to keep idle connections for at least 65 seconds', async () => {
    const reply = await new Promise<{ headers: Record<string, unknown> }>((resolve, reject) => {
      httpRequest(`${services.user.url}/health`, { headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        resolve(res);
      }).on('error', reject).end();
    });
    const timeout = Number(/timeout=(\d+)/.exec(String(reply.headers['keep-alive']))?.[1]);
    assert.ok(timeout >= 65, `keep-alive: ${String(reply.headers['keep-alive'])}`);
  });
});

describe('call recording', () => {
  it('records method, route pattern, url as sent and request id, in order', async () => {
    const catalog = services.catalog;
    catalog.resetCalls();
    await call('catalog', '/products?ids=prod-00002,prod-00001', { headers: { 'x-request-id': 'r-1' } });
    await call('catalog', '/products/prod-00003');
    await call('catalog', '/nowhere?x=1');
    assert.deepStrictEqual(catalog.calls, [
      { method: 'GET', route: '/products', url: '/products?ids=prod-00002,prod-00001', requestId: 'r-1' },
      { method: 'GET', route: '/products/:id', url: '/products/prod-00003' },
      { method: 'GET', route: '(unmatched)', url: '/nowhere?x=1' },
    ]);
  });

  it('records requests that fail validation too', async () => {
    services.pricing.resetCalls();
    await call('pricing', '/prices?productIds=');
    assert.deepStrictEqual(services.pricing.calls, [{ method: 'GET', route: '/prices', url: '/prices?productIds=' }]);
  });

  it('resetCalls() empties the same array a test may already hold', async () => {
    const held = services.user.calls;
    await call('user', '/users/user-0001');
    services.user.resetCalls();
    assert.equal(held, services.user.calls);
    assert.equal(held.length, 0);
  });
});

describe('batch endpoints', () => {
  it('return items in the order of the ids asked for, leaving out unknown ids', async () => {
    const reply = await call('user', '/users?ids=user-0003,user-9999,bogus,user-0001');
    assert.equal(reply.status, 200);
    assert.deepStrictEqual(ids(reply.body), ['user-0003', 'user-0001']);
  });

  it('accept duplicate ids and return each record once', async () => {
    assert.deepStrictEqual(ids((await call('catalog', '/products?ids=prod-00002,prod-00001,prod-00002')).body), ['prod-00002', 'prod-00001']);
  });

  it('accept exactly 100 ids and reject 101 with 400', async () => {
    assert.equal((await call('user', `/users?ids=${hundredIds('user-')}`)).status, 200);
    assertError(await call('user', `/users?ids=${hundredIds('user-')},user-0001`), 400, 'BAD_REQUEST', /at most 100 ids, received 101/);
    assertError(await call('pricing', `/prices?productIds=${hundredIds('p')},x`), 400, 'BAD_REQUEST', /query\.productIds/);
  });

  it('reject a missing or empty id list with 400', async () => {
    assertError(await call('user', '/users'), 400, 'BAD_REQUEST', /query\.ids: expected a comma-separated list/);
    assertError(await call('cart', '/carts?userIds='), 400, 'BAD_REQUEST', /query\.userIds/);
    assertError(await call('promotions', '/promotions'), 400, 'BAD_REQUEST', /query\.productIds/);
    assertError(await call('catalog', '/categories?ids='), 400, 'BAD_REQUEST', /query\.ids/);
  });
});

describe('user service', () => {
  it('returns a user by id with tier, addresses and createdAt', async () => {
    const reply = await call('user', '/users/user-0001');
    assert.deepStrictEqual(reply.body, dataset.users[0]);
  });

  it('answers an unknown user with 404 NOT_FOUND', async () => {
    assertError(await call('user', '/users/user-1001'), 404, 'NOT_FOUND', /user-1001/);
  });
});

describe('catalog service', () => {
  it('returns a product with its four image sizes', async () => {
    const reply = await call('catalog', '/products/prod-00001');
    assert.deepStrictEqual(reply.body, dataset.products[0]);
  });

  it('serves the 12 featured products in full at /products/featured, not as a product id', async () => {
    const reply = await call('catalog', '/products/featured');
    assert.deepStrictEqual(ids(reply.body), dataset.featuredProductIds);
    assert.equal(reply.body.items[0].images.length, 4);
    assert.deepStrictEqual(services.catalog.calls.at(-1)?.route, '/products/featured');
  });

  it('lists products by category and name search, paging with nextCursor until null', async () => {
    const expected = dataset.products.filter((p) => p.categoryId === 'cat-03' && p.name.toLowerCase().includes('lamp')).map((p) => p.id);
    const seen: string[] = [];
    let path = '/products?categoryId=cat-03&q=Lamp&limit=50';
    for (;;) {
      const reply = await call('catalog', path);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.totalCount, expected.length);
      seen.push(...ids(reply.body));
      if (reply.body.nextCursor === null) break;
      path = `/products?categoryId=cat-03&q=Lamp&limit=50&cursor=${reply.body.nextCursor}`;
    }
    assert.deepStrictEqual(seen, expected);
  });

  it('lists 20 products by default, all 10,000 counted', async () => {
    const reply = await call('catalog', '/products');
    assert.equal(reply.body.items.length, 20);
    assert.equal(reply.body.totalCount, 10_000);
    assert.equal(typeof reply.body.nextCursor, 'string');
  });

  it('rejects a malformed cursor, a limit outside 1–100 and ids mixed with listing parameters', async () => {
    assertError(await call('catalog', '/products?cursor=bm9wZQ'), 400, 'BAD_REQUEST', /query\.cursor/);
    assertError(await call('catalog', '/products?limit=101'), 400, 'BAD_REQUEST', /query\.limit: expected an integer from 1 to 100, received "101"/);
    assertError(await call('catalog', '/products?ids=prod-00001&categoryId=cat-01'), 400, 'BAD_REQUEST', /ids with categoryId/);
  });

  it('returns all categories, a batch of them, or one', async () => {
    assert.equal((await call('catalog', '/categories')).body.items.length, 20);
    assert.deepStrictEqual(ids((await call('catalog', '/categories?ids=cat-20,cat-99,cat-01')).body), ['cat-20', 'cat-01']);
    assert.deepStrictEqual((await call('catalog', '/categories/cat-03')).body, dataset.categories[2]);
    assertError(await call('catalog', '/categories/cat-99'), 404, 'NOT_FOUND');
  });
});

describe('cart service', () => {
  const path = (userId: string) => `/carts/${userId}/items`;

  it('returns carts in batch, leaving out users without one', async () => {
    const reply = await call('cart', `/carts?userIds=${userWithoutCart},user-0001`);
    assert.deepStrictEqual(reply.body.items.map((c: { userId: string }) => c.userId), ['user-0001']);
    assert.equal(reply.body.items[0].items.length, 20);
  });

  it('answers 404 for a user without a cart', async () => {
    assertError(await call('cart', `/carts/${userWithoutCart}`), 404, 'NOT_FOUND', /has no cart/);
  });

  it('creates a cart on the first add, and the item persists', async () => {
    const added = await call('cart', path(userWithoutCart), { method: 'POST', json: { productId: 'prod-00042', quantity: 2 } });
    assert.equal(added.status, 200);
    assert.equal(added.body.id, `cart-${userWithoutCart}`);
    const read = await call('cart', `/carts/${userWithoutCart}`);
    assert.deepStrictEqual(read.body.items.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity]), [['prod-00042', 2]]);
  });

  it('adds to the quantity of a product already in the cart, capped at 99', async () => {
    await call('cart', path(userWithoutCart), { method: 'POST', json: { productId: 'prod-00042', quantity: 90 } });
    const reply = await call('cart', path(userWithoutCart), { method: 'POST', json: { productId: 'prod-00042', quantity: 90 } });
    assert.equal(reply.body.items.length, 1);
    assert.equal(reply.body.items[0].quantity, 99);
  });

  it('sets a quantity with PATCH and removes a line with DELETE, returning the whole cart', async () => {
    const patched = await call('cart', `${path(userWithoutCart)}/prod-00042`, { method: 'PATCH', json: { quantity: 3 } });
    assert.equal(patched.body.items[0].quantity, 3);
    const removed = await call('cart', `${path(userWithoutCart)}/prod-00042`, { method: 'DELETE' });
    assert.deepStrictEqual(removed.body.items, []);
    assert.deepStrictEqual((await call('cart', `/carts/${userWithoutCart}`)).body.items, []);
  });

  it('answers 404 when updating or removing a product not in the cart', async () => {
    assertError(await call('cart', `${path('user-0001')}/prod-99999`, { method: 'PATCH', json: { quantity: 1 } }), 404, 'NOT_FOUND', /not in the cart/);
    assertError(await call('cart', `${path('user-0001')}/prod-99999`, { method: 'DELETE' }), 404, 'NOT_FOUND');
  });

  it('answers 404 when adding a product or for a user that does not exist', async () => {
    assertError(await call('cart', path('user-0001'), { method: 'POST', json: { productId: 'prod-99999', quantity: 1 } }), 404, 'NOT_FOUND', /prod-99999/);
    assertError(await call('cart', path('user-9999'), { method: 'POST', json: { productId: 'prod-00001', quantity: 1 } }), 404, 'NOT_FOUND', /user-9999/);
  });

  it('rejects ids of the wrong form with 400', async () => {
    assertError(await call('cart', '/carts/alice'), 400, 'BAD_REQUEST', /params\.userId: expected an id like user-0001, received "alice"/);
    assertError(await call('cart', path('user-0001'), { method: 'POST', json: { productId: 'sku-1', quantity: 1 } }), 400, 'BAD_REQUEST', /body\.productId/);
  });

  it('keeps each server\'s carts to itself', async () => {
    const other = await startRestService({ service: 'cart', port: 0 });
    try {
      await call('cart', path('user-0002'), { method: 'POST', json: { productId: 'prod-00777', quantity: 1 } });
      const elsewhere = (await (await fetch(`${other.url}/carts/user-0002`)).json()) as { items: { productId: string }[] };
      assert.ok(!elsewhere.items.some((i) => i.productId === 'prod-00777'));
    } finally {
      await other.close();
    }
  });
});

describe('pricing service', () => {
  it('returns prices in batch, without tierPriceCents when no tier is asked', async () => {
    const reply = await call('pricing', '/prices?productIds=prod-00002,prod-00001');
    assert.deepStrictEqual(reply.body.items, [dataset.prices[1], dataset.prices[0]]);
  });

  it('adds tierPriceCents for a tier: the effective price less the tier discount', async () => {
    const reply = await call('pricing', '/prices?productIds=prod-00001&tier=PLATINUM');
    const price = dataset.prices[0]!;
    assert.equal(reply.body.items[0].tierPriceCents, Math.round((price.salePriceCents ?? price.listPriceCents) * 0.9));
    const single = await call('pricing', '/prices/prod-00001?tier=BRONZE');
    assert.equal(single.body.tierPriceCents, price.salePriceCents ?? price.listPriceCents);
  });

  it('rejects an unknown tier with 400 and answers an unknown product with 404', async () => {
    assertError(await call('pricing', '/prices?productIds=prod-00001&tier=gold'), 400, 'BAD_REQUEST', /query\.tier: expected one of BRONZE, SILVER, GOLD, PLATINUM, received "gold"/);
    assertError(await call('pricing', '/prices/prod-99999'), 404, 'NOT_FOUND');
  });
});

describe('promotions service', () => {
  const now = new Date().toISOString();
  const activeFor = (productId: string) =>
    dataset.promotions.filter((p) => p.productId === productId && p.startsAt <= now && now < p.endsAt).map((p) => p.id);
  const promoted = dataset.promotions[0]!.productId;
  const plain = dataset.products.find((p) => !dataset.promotions.some((q) => q.productId === p.id))!.id;

  it('returns one entry per known product, in request order, with only active promotions', async () => {
    const reply = await call('promotions', `/promotions?productIds=${plain},prod-99999,${promoted}`);
    assert.deepStrictEqual(
      reply.body.items.map((e: { productId: string; promotions: { id: string }[] }) => [e.productId, e.promotions.map((p) => p.id)]),
      [
        [plain, []],
        [promoted, activeFor(promoted)],
      ],
    );
  });

  it('leaves out expired and upcoming promotions', async () => {
    const inactive = dataset.promotions.find((p) => !(p.startsAt <= now && now < p.endsAt))!;
    const reply = await call('promotions', `/promotions?productIds=${inactive.productId}`);
    assert.ok(!reply.body.items[0].promotions.some((p: { id: string }) => p.id === inactive.id));
  });

  it('serves the 6 featured promotions, all active', async () => {
    const reply = await call('promotions', '/promotions/featured');
    assert.deepStrictEqual(ids(reply.body), dataset.featuredPromotionIds);
  });
});

describe('shutdown', () => {
  it('close() is idempotent and the port stops answering', async () => {
    const s = await startRestService({ service: 'user', port: 0 });
    await Promise.all([s.close(), s.close()]);
    await s.close();
    await assert.rejects(fetch(`${s.url}/health`));
  });

  it('close() resolves only after an in-flight request has been answered', async () => {
    const s = await startRestService({ service: 'cart', port: 0 });
    const events: string[] = [];
    const response = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${s.url}/carts/user-0001/items`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          events.push('response');
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', reject);
      // Half a body now, the rest after close() has begun.
      req.write('{"productId":"prod-00001",');
      setTimeout(() => req.end('"quantity":1}'), 100);
    });
    await new Promise((r) => setTimeout(r, 30));
    const closed = s.close().then(() => events.push('closed'));
    assert.equal(await response, 200);
    await closed;
    assert.deepStrictEqual(events, ['response', 'closed']);
  });
});
