import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { RedisCacheStore } from '../../gateway/cache/redis-store.ts';
import { startGateway } from '../../gateway/server.ts';
import { logEvents } from '../support/log-events.ts';
import { useSharedGraph } from '../support/graph.ts';
import { operation } from '../support/operations.ts';
import { startRedis } from '../support/redis.ts';
import { gatewayConfigFor, invalidateCache, postGraphQL, silentLogger, TEST_CACHE_SECRET, tokenFor } from '../support/system.ts';
import { waitFor } from '../support/wait.ts';

const graph = useSharedGraph({ redis: true });

const entry = (key: string, tags: string[], value = `"${key}"`) => ({ key, value, ttlMs: 60_000, tags });
const values = async (store: RedisCacheStore, keys: string[]) => (await store.getMany(keys)).map((f) => (typeof f === 'object' ? f.value : f));

describe('entity cache in Redis', () => {
  it('two stores on one Redis share entries, and a purge on one removes them for both', async () => {
    const prefix = `share${Date.now()}:`;
    const a = new RedisCacheStore({ url: graph.redis.url, keyPrefix: prefix, commandTimeoutMs: 500, fallbackBytes: 1 << 20, maxTtlMs: 60_000, logger: silentLogger });
    const b = new RedisCacheStore({ url: graph.redis.url, keyPrefix: prefix, commandTimeoutMs: 500, fallbackBytes: 1 << 20, maxTtlMs: 60_000, logger: silentLogger });
    try {
      assert.ok((await a.whenReady(5000)) && (await b.whenReady(5000)));
      await a.setMany([entry('p1', ['product', 'product:1']), entry('p2', ['product', 'product:2']), entry('c1', ['category'])]);
      assert.deepEqual(await values(b, ['p1', 'p2', 'c1', 'none']), ['"p1"', '"p2"', '"c1"', undefined]);
      assert.equal(await b.purge(['product:1']), 1);
      assert.deepEqual(await values(a, ['p1', 'p2']), [undefined, '"p2"']);
      assert.equal(await a.purge(['product']), 1);
      assert.deepEqual(await values(b, ['p1', 'p2', 'c1']), [undefined, undefined, '"c1"']);
      assert.ok(a.shared() && b.shared());
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps serving from memory while Redis is down, refuses to pretend a purge worked, and shares again once it is back', async () => {
    const own = await startRedis();
    const store = new RedisCacheStore({ url: own.url, keyPrefix: 'down:', commandTimeoutMs: 200, fallbackBytes: 1 << 20, maxTtlMs: 60_000, logger: silentLogger });
    try {
      assert.ok(await store.whenReady(5000));
      await store.setMany([entry('k', ['t'])]);
      await own.stop();
      await waitFor(() => !store.shared());
      const started = Date.now();
      assert.deepEqual(await values(store, ['k']), [undefined], 'Redis entries are out of reach');
      await store.setMany([entry('m', ['t'])]);
      assert.deepEqual(await values(store, ['m']), ['"m"'], 'the process caches in its own memory meanwhile');
      assert.ok(Date.now() - started < 1000, 'and never waits for Redis');
      await assert.rejects(store.purge(['t']), 'a purge that cannot reach Redis fails');
      const revived = await startRedis({ port: own.port });
      try {
        await waitFor(() => store.shared(), 10_000);
        assert.deepEqual(await values(store, ['m']), [undefined], 'the memory of the outage is dropped: it may hold purged entries');
      } finally {
        await revived.stop();
      }
    } finally {
      await store.close();
      await own.stop();
    }
  });
});

describe('entity cache across gateway processes', () => {
  it('a front page warmed on one replica is warm on the other, and a purge on one is seen by both within a second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-cache-'));
    const config = join(dir, 'gateway.json');
    writeFileSync(config, JSON.stringify({ exposeRestCalls: true, cost: { budget: { enabled: false } }, entityCache: { redisKeyPrefix: `procs${Date.now()}:`, invalidation: { secret: TEST_CACHE_SECRET } } }));
    const [a, b] = await Promise.all([graph.gatewayProcess(['--config', config]), graph.gatewayProcess(['--config', config])]);
    const token = await tokenFor('user-0030');
    const frontPage = (url: string) => postGraphQL(url, { query: operation('web', 'FrontPage') }, { token });
    // Redis connects in the background; the gauge says when the cache is shared.
    for (const g of [a, b]) await waitFor(async () => /storefront_gateway_entity_cache_shared\{[^}]*\} 1/.test(await (await fetch(new URL('/metrics', g.url))).text()), 10_000);
    const cold = await frontPage(a.url);
    assert.equal(Object.values(cold.body.extensions?.['restCalls'] as Record<string, number>).reduce((x, y) => x + y, 0), 6, 'cold: one batched REST call per resource; the two price fetches went as one although each waited for a Redis lookup first');
    const warmOnB = await frontPage(b.url);
    assert.deepEqual(warmOnB.body.extensions?.['restCalls'], { 'cart GET /carts': 1, 'user GET /users': 1 }, 'replica B uses what replica A fetched');
    assert.deepEqual(warmOnB.body.data, cold.body.data);

    const target = (cold.body.data as { featuredProducts: { id: string }[] }).featuredProducts[0]!.id;
    const purged = await invalidateCache(a.url, { tags: [`product:${target}`] });
    assert.equal(purged.status, 200);
    const purgedAt = Date.now();
    graph.rest.pricing.resetCalls();
    const onB = await frontPage(b.url);
    assert.ok(Date.now() - purgedAt < 1000);
    assert.deepEqual(graph.rest.pricing.calls.map((c) => new URL(c.url, 'http://x').searchParams.get('productIds')), [target], 'replica B fetched the purged product again, and only it');
    assert.equal((onB.body.extensions?.['restCalls'] as Record<string, number>)['catalog GET /products/featured'], 1, 'and the featured list holding it');
  });
});

describe('a gateway whose cache Redis goes down', () => {
  it('keeps answering the front page, says so in its log and metrics, and purges refuse with 503 until Redis is back', async () => {
    const own = await startRedis();
    const logs = logEvents();
    const gateway = await startGateway(gatewayConfigFor(graph.subgraphs, { entityCache: { redisUrl: own.url, invalidation: { secret: TEST_CACHE_SECRET } } }), logs.logger);
    const shared = async () => /storefront_gateway_entity_cache_shared\{[^}]*\} 1/.test(await (await fetch(new URL('/metrics', gateway.url))).text());
    try {
      await waitFor(shared, 10_000);
      const token = await tokenFor('user-0031');
      const before = await postGraphQL(gateway.url, { query: operation('web', 'FrontPage') }, { token });
      const fallback = logs.next('Redis unreachable: the entity cache falls back to per-process memory', 10_000);
      await own.stop();
      await fallback;
      for (let i = 0; i < 2; i++) {
        const during = await postGraphQL(gateway.url, { query: operation('web', 'FrontPage') }, { token });
        assert.equal(during.status, 200);
        assert.equal(during.body.errors, undefined);
        assert.deepEqual(during.body.data, before.body.data);
      }
      assert.equal(await shared(), false);
      const purge = await invalidateCache(gateway.url, { tags: ['product'] });
      assert.equal(purge.status, 503);
      assert.equal((purge.body['errors'] as { extensions: { code: string } }[])[0]!.extensions.code, 'SERVICE_UNAVAILABLE');
    } finally {
      await gateway.stop();
      await own.stop();
    }
  });
});
