import { LRUCache } from 'lru-cache';

/**
 * Where automatic persisted queries live between a client's registration
 * (hash + body) and its later hash-only requests. Every entry expires: an
 * attacker who registers junk fills the store for at most one TTL.
 */
export interface ApqStore {
  /** The text registered under `hash`, or undefined (miss, expired, or store unreachable). Never throws. */
  get(hash: string): Promise<string | undefined>;
  /** Registers `query` under `hash` for the store's TTL. Never throws; a store that cannot write drops it. */
  set(hash: string, query: string): Promise<void>;
  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}

/** The longest TTL accepted anywhere: entries never live forever (Apollo Server's default when `ttl` is unset). */
export const MAX_APQ_TTL_SECONDS = 30 * 24 * 60 * 60;

export function checkTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_APQ_TTL_SECONDS) {
    throw new RangeError(`APQ ttlSeconds must be an integer from 1 to ${MAX_APQ_TTL_SECONDS}, received ${ttlSeconds}`);
  }
}

export interface MemoryApqStoreOptions {
  /** Most entries kept; the least recently used go first. */
  readonly maxEntries: number;
  /** Most UTF-8 bytes of query text kept in total; a single larger query is not stored. */
  readonly maxBytes: number;
  readonly ttlSeconds: number;
  /** Milliseconds on a monotonic clock, for expiry. Default performance.now; tests pass their own to expire entries without waiting. */
  readonly now?: () => number;
}

/** APQ in this process only: each gateway replica learns each hash once. */
export class MemoryApqStore implements ApqStore {
  private readonly cache: LRUCache<string, string>;

  constructor(options: MemoryApqStoreOptions) {
    checkTtl(options.ttlSeconds);
    this.cache = new LRUCache<string, string>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (query) => Math.max(1, Buffer.byteLength(query, 'utf8')),
      ttl: options.ttlSeconds * 1000,
      // An injected clock is read on every lookup: lru-cache otherwise caches
      // "now" for 1 ms of real time, and a test's clock jump would go unseen.
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  async get(hash: string): Promise<string | undefined> {
    return this.cache.get(hash);
  }

  async set(hash: string, query: string): Promise<void> {
    this.cache.set(hash, query);
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}
