import { LRUCache } from 'lru-cache';
import { refillMs, refund, take, type BucketPolicy, type BucketState, type TakeResult } from './leaky-bucket.ts';
import type { BucketStore } from './store.ts';

/**
 * Buckets in this process. Bounded: at most `maxClients` buckets are kept, and
 * a bucket idle long enough to be full again is dropped (a fresh bucket is full,
 * so forgetting it changes nothing).
 *
 * The bound is a size (each bucket counts 1), not lru-cache's `max`: `max`
 * preallocates its index arrays (and the TTL arrays on the first `ttl`), which
 * for the default 100,000 clients is 4 MB held from start-up whether or not
 * any client ever comes, and the gateway's peak memory grows by a multiple of
 * what it holds. Sized entries grow with the clients actually seen.
 */
export class MemoryBucketStore implements BucketStore {
  readonly #buckets: LRUCache<string, BucketState>;

  constructor(options: { maxClients?: number; now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#buckets = new LRUCache({ maxSize: options.maxClients ?? 100_000, sizeCalculation: () => 1 });
  }

  readonly #now: () => number;

  async take(clientKey: string, cost: number, policy: BucketPolicy): Promise<TakeResult> {
    return this.takeSync(clientKey, cost, policy);
  }

  takeSync(clientKey: string, cost: number, policy: BucketPolicy): TakeResult {
    const { result, next } = take(this.#buckets.get(clientKey), policy, cost, this.#now());
    this.#buckets.set(clientKey, next, { ttl: refillMs(policy) });
    return result;
  }

  async refund(clientKey: string, points: number, policy: BucketPolicy): Promise<number> {
    return this.refundSync(clientKey, points, policy);
  }

  refundSync(clientKey: string, points: number, policy: BucketPolicy): number {
    const next = refund(this.#buckets.get(clientKey), policy, points, this.#now());
    this.#buckets.set(clientKey, next, { ttl: refillMs(policy) });
    return next.available;
  }

  readonly backend = () => 'memory' as const;

  async close(): Promise<void> {
    this.#buckets.clear();
  }
}
