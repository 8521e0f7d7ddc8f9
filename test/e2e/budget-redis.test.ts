import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import type { BucketPolicy } from '../../gateway/admission/budget/leaky-bucket.ts';
import { RedisBucketStore } from '../../gateway/admission/budget/redis-store.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';

const logger = createLogger('test', 'silent');
const policy: BucketPolicy = { maximumAvailable: 1000, restoreRatePerSecond: 1 };

let redis: RunningRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());


describe('cost budgets in Redis', () => {
  it('two gateway replicas share one budget per client', async () => {
    const a = new RedisBucketStore({ url: redis.url, logger, keyPrefix: 'shared-test:' });
    const b = new RedisBucketStore({ url: redis.url, logger, keyPrefix: 'shared-test:' });
    try {
      await waitFor(async () => (await a.take('user:x', 0, policy)).allowed && a.backend() === 'redis');
      assert.equal((await a.take('user:x', 600, policy)).allowed, true);
      const refused = await b.take('user:x', 600, policy);
      assert.equal(refused.allowed, false, 'replica B sees what replica A took');
      assert.ok(refused.currentlyAvailable >= 400 && refused.currentlyAvailable < 402, String(refused.currentlyAvailable));
      assert.ok(refused.retryAfterMs > 190_000 && refused.retryAfterMs <= 200_000, String(refused.retryAfterMs));
      const afterRefund = await b.refund('user:x', 300, policy);
      assert.ok(afterRefund >= 700 && afterRefund < 702, String(afterRefund));
      assert.equal((await a.take('user:x', 600, policy)).allowed, true, 'the refund made by B is visible to A');
      assert.equal(a.backend(), 'redis');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps serving on local buckets while Redis is down, says so, and shares again once it is back', async () => {
    const own = await startRedis();
    const store = new RedisBucketStore({ url: own.url, logger, keyPrefix: 'fallback-test:' });
    try {
      await waitFor(async () => (await store.take('user:y', 0, policy)).allowed && store.backend() === 'redis');
      await own.stop();
      const started = Date.now();
      const result = await store.take('user:y', 100, policy);
      assert.equal(result.allowed, true, 'a dead Redis must not refuse traffic');
      assert.ok(Date.now() - started < 2000, 'and must not hang it');
      assert.equal(store.backend(), 'local-fallback');
      assert.equal((await store.take('user:y', 950, policy)).allowed, false, 'the local bucket still enforces the budget');

      const revived = await startRedis({ port: own.port });
      try {
        await waitFor(async () => {
          await store.take('user:z', 0, policy);
          return store.backend() === 'redis';
        }, 10_000);
      } finally {
        await revived.stop();
      }
    } finally {
      await store.close();
    }
  });
});
