import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { availableAt, refund, take, type BucketPolicy } from '../../gateway/admission/budget/leaky-bucket.ts';
import { MemoryBucketStore } from '../../gateway/admission/budget/memory-store.ts';
import { retainedBytes } from '../support/heap.ts';

const policy: BucketPolicy = { maximumAvailable: 1000, restoreRatePerSecond: 50 };

describe('leaky bucket', () => {
  it('starts full', () => {
    assert.equal(availableAt(undefined, policy, 0), 1000);
  });

  it('takes the cost when the bucket holds enough', () => {
    const { result, next } = take(undefined, policy, 300, 0);
    assert.deepEqual(result, { allowed: true, currentlyAvailable: 700, retryAfterMs: 0 });
    assert.deepEqual(next, { available: 700, updatedAtMs: 0 });
  });

  it('refuses when it does not, and says when enough will have leaked back', () => {
    const { result } = take({ available: 100, updatedAtMs: 0 }, policy, 300, 0);
    assert.equal(result.allowed, false);
    assert.equal(result.currentlyAvailable, 100);
    assert.equal(result.retryAfterMs, 4000); // 200 missing points at 50 per second
  });

  it('restores at the restore rate, never above the maximum', () => {
    assert.equal(availableAt({ available: 100, updatedAtMs: 0 }, policy, 2000), 200);
    assert.equal(availableAt({ available: 900, updatedAtMs: 0 }, policy, 60_000), 1000);
  });

  it('refunds the difference between estimated and actual cost, capped at the maximum', () => {
    assert.equal(refund({ available: 700, updatedAtMs: 0 }, policy, 250, 0).available, 950);
    assert.equal(refund({ available: 900, updatedAtMs: 0 }, policy, 250, 0).available, 1000);
    assert.equal(refund({ available: 700, updatedAtMs: 0 }, policy, -5, 0).available, 700, 'a negative refund is not a charge');
  });

  it('a bucket that never restores says retry never', () => {
    const { result } = take({ available: 0, updatedAtMs: 0 }, { maximumAvailable: 10, restoreRatePerSecond: 0 }, 5, 0);
    assert.equal(result.retryAfterMs, Number.POSITIVE_INFINITY);
  });
});

describe('memory bucket store', () => {
  it('keeps one bucket per client key', async () => {
    let now = 0;
    const store = new MemoryBucketStore({ now: () => now });
    assert.equal((await store.take('user:a', 900, policy)).allowed, true);
    assert.equal((await store.take('user:a', 200, policy)).allowed, false);
    assert.equal((await store.take('user:b', 200, policy)).allowed, true, 'another client has its own budget');
    now = 2000;
    assert.equal((await store.take('user:a', 200, policy)).allowed, true, '100 points restored in 2 s');
    assert.equal(await store.refund('user:a', 50, policy), 50);
  });

  it('forgets the least recently used clients beyond its bound', async () => {
    const store = new MemoryBucketStore({ maxClients: 2 });
    await store.take('a', 1000, policy);
    await store.take('b', 1000, policy);
    await store.take('c', 1000, policy);
    assert.equal((await store.take('a', 1000, policy)).allowed, true, 'a forgotten bucket is a full bucket');
  });

  it('holds memory for the clients it has seen, not for the ones it could hold', async () => {
    // A gateway starts with no clients: its bound (100,000 by default) must not be paid for up front.
    const before = retainedBytes();
    const store = new MemoryBucketStore({ maxClients: 1_000_000, now: () => 0 });
    await store.take('user:a', 10, policy);
    await store.refund('user:a', 5, policy);
    const grown = retainedBytes() - before;
    assert.ok(grown < 4_000_000, `an empty store bounded at a million clients holds ${(grown / 1e6).toFixed(1)} MB`);
    assert.equal((await store.take('user:a', 0, policy)).currentlyAvailable, 995, 'the store is still in use after the measurement');
  });
});
