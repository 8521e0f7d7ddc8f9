import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { RedisApqStore } from '../../gateway/admission/persisted-queries/apq-redis-store.ts';
import { hashOperation } from '../../gateway/admission/persisted-queries/manifest.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';

const QUERY = 'query Me {\n  me {\n    id\n  }\n}';
const HASH = hashOperation(QUERY);

/** A logger whose lines the test can read. */
function capturingLogger(): { logger: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const WARN = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('APQ store in Redis (real redis-server)', () => {
  let redis: RunningRedis;
  const stores: RedisApqStore[] = [];
  let raw: Redis;

  async function store(options: { ttlSeconds?: number; keyPrefix?: string } = {}) {
    const { logger, lines } = capturingLogger();
    const created = new RedisApqStore({ url: redis.url, ttlSeconds: options.ttlSeconds ?? 60, keyPrefix: options.keyPrefix ?? 'test:apq:', logger });
    stores.push(created);
    assert.equal(await created.whenReady(3000), true, 'store did not connect');
    return { store: created, lines };
  }

  before(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    raw?.disconnect();
    await redis?.stop();
  });

  it('stores a query under its hash and reads it back', async () => {
    const { store: apq } = await store();
    assert.equal(await apq.get(HASH), undefined);
    await apq.set(HASH, QUERY);
    assert.equal(await apq.get(HASH), QUERY);
    assert.equal(apq.state, 'ready');
  });

  it('writes with SET key value EX ttl under the configured prefix', async () => {
    const { store: apq } = await store({ ttlSeconds: 120, keyPrefix: 'web:apq:' });
    await apq.set(HASH, QUERY);
    assert.equal(await raw.get(`web:apq:${HASH}`), QUERY);
    const ttl = await raw.ttl(`web:apq:${HASH}`);
    assert.ok(ttl > 100 && ttl <= 120, `ttl ${ttl}`);
  });

  it('forgets an entry once its TTL has passed', async () => {
    const { store: apq } = await store({ ttlSeconds: 1, keyPrefix: 'ttl:' });
    await apq.set(HASH, QUERY);
    assert.equal(await apq.get(HASH), QUERY);
    await sleep(1300);
    assert.equal(await apq.get(HASH), undefined);
  });

  it('is shared by two store instances (two gateway replicas)', async () => {
    const { store: first } = await store({ keyPrefix: 'shared:' });
    const { store: second } = await store({ keyPrefix: 'shared:' });
    const query = 'query Shared { featuredProducts { id } }';
    await first.set(hashOperation(query), query);
    assert.equal(await second.get(hashOperation(query)), query);
  });

  it('keeps prefixes apart', async () => {
    const { store: web } = await store({ keyPrefix: 'web:' });
    const { store: mobile } = await store({ keyPrefix: 'mobile:' });
    await web.set(HASH, QUERY);
    assert.equal(await mobile.get(HASH), undefined);
  });

  it('refuses an unbounded or invalid TTL', () => {
    const { logger } = capturingLogger();
    for (const ttlSeconds of [0, -1, 1.5, 31 * 24 * 3600, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new RedisApqStore({ url: redis.url, ttlSeconds, logger }), RangeError, String(ttlSeconds));
    }
  });
});

describe('APQ store in Redis while Redis is down', () => {
  it('misses and drops writes without throwing, reports degraded, logs once, and heals when Redis returns', async () => {
    const redis = await startRedis();
    const { logger, lines } = capturingLogger();
    const apq = new RedisApqStore({ url: redis.url, ttlSeconds: 60, logger, commandTimeoutMs: 200 });
    try {
      assert.equal(await apq.whenReady(3000), true);
      await apq.set(HASH, QUERY);
      assert.equal(await apq.get(HASH), QUERY);

      await redis.stop();
      await sleep(100);
      for (let i = 0; i < 5; i++) {
        assert.equal(await apq.get(HASH), undefined);
        await apq.set(HASH, QUERY);
      }
      assert.equal(apq.state, 'degraded');
      assert.equal(apq.degraded, true);
      const warnings = lines.filter((l) => l.level === WARN);
      assert.equal(warnings.length, 1, JSON.stringify(lines));
      assert.match(warnings[0]!.msg, /APQ Redis unreachable/);

      // Same port: the client's own reconnect loop finds it (an empty Redis: no persistence).
      const back = await startRedis({ port: redis.port });
      try {
        assert.equal(await apq.whenReady(5000), true, 'did not reconnect');
        assert.equal(apq.state, 'ready');
        assert.equal(await apq.get(HASH), undefined);
        await apq.set(HASH, QUERY);
        assert.equal(await apq.get(HASH), QUERY);
        assert.ok(lines.some((l) => /reachable again/.test(l.msg)));
      } finally {
        await apq.close();
        await back.stop();
      }
    } finally {
      await apq.close();
      await redis.stop();
    }
  });

  it('serves (degraded) when Redis is unreachable from the start', async () => {
    const redis = await startRedis();
    await redis.stop(); // a port where nothing listens now
    const { logger, lines } = capturingLogger();
    const apq = new RedisApqStore({ url: redis.url, ttlSeconds: 60, logger, connectTimeoutMs: 200 });
    try {
      assert.equal(await apq.whenReady(300), false);
      assert.equal(await apq.get(HASH), undefined);
      await apq.set(HASH, QUERY);
      assert.equal(apq.degraded, true);
      assert.equal(lines.filter((l) => l.level === WARN).length, 1);
    } finally {
      await apq.close();
      await apq.close();
      assert.equal(apq.state, 'closed');
    }
  });
});
