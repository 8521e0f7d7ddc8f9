import { LRUCache } from 'lru-cache';
import { refillMs, refund, take, type BucketPolicy, type BucketState, type TakeResult } from './leaky-bucket.ts';
import type { BucketStore } from './store.ts';

/**
 * Buckets in this process. Bounded: at most `maxClients` buckets are kept, and
 * a bucket idle long enough to be full again is dropped (a fresh bucket is full,
 * so forgetting it changes nothing).
 */
export class MemoryBucketStore implements BucketStore {
  readonly #buckets: LRUCache<string, BucketState>;

  constructor(options: { maxClients?: number; now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#buckets = new LRUCache({ max: options.maxClients ?? 100_000 });
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
