import { Redis, type Result } from 'ioredis';
import type { Logger } from '../../common/logger.ts';
import { MemoryCacheStore } from './memory-store.ts';
import type { CacheStore, EntryToStore, Found } from './store.ts';

/**
 * Removes every entry of each tag and the tag sets themselves, atomically.
 * KEYS: none (keys are derived from the prefix, so this store needs one Redis,
 * not a cluster); ARGV[1] prefix, ARGV[2..] tags. Returns how many entries went.
 */
const PURGE_SCRIPT = `
local removed = 0
for i = 2, #ARGV do
  local set = ARGV[1] .. 't:' .. ARGV[i]
  for _, member in ipairs(redis.call('SMEMBERS', set)) do
    removed = removed + redis.call('DEL', ARGV[1] .. member)
  end
  redis.call('DEL', set)
end
return removed
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    storefrontCachePurge(prefix: string, ...tags: string[]): Result<number, Context>;
  }
}

export interface RedisCacheStoreOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  /** Bytes of the per-process fallback used while Redis is unreachable. */
  readonly fallbackBytes: number;
  /** Tag sets live this long (the longest any entry may live), so a purge always finds its entries. */
  readonly maxTtlMs: number;
  readonly logger: Logger;
}

/**
 * Entries shared by every replica through Redis (`SET key "<expiresAt>\n<json>" PX ttl`,
 * tags as sets). With Redis up there is no per-process layer in front of it, so
 * a purge is seen by every replica the moment the script has run. Redis is an
 * optimisation, never a dependency: while it is unreachable the replica caches
 * in its own memory (logged once per outage, `storefront_gateway_entity_cache_shared`
 * 0). A purge cannot reach other replicas' memories then, so it fails loudly
 * (the endpoint answers 503), and each replica drops its memory when Redis
 * returns, since it may hold entries purged meanwhile.
 */
export class RedisCacheStore implements CacheStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #maxTtlMs: number;
  readonly #fallback: MemoryCacheStore;
  readonly #logger: Logger;
  #degraded = false;

  constructor(options: RedisCacheStoreOptions) {
    this.#prefix = options.keyPrefix;
    this.#maxTtlMs = options.maxTtlMs;
    this.#logger = options.logger;
    this.#fallback = new MemoryCacheStore(options.fallbackBytes);
    this.#redis = new Redis(options.url, {
      // Fail at once while disconnected instead of queueing: a fetch must never wait for Redis to return.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
      disconnectTimeout: 100,
    });
    this.#redis.defineCommand('storefrontCachePurge', { numberOfKeys: 0, lua: PURGE_SCRIPT });
    this.#redis.on('error', (error: Error) => this.#markDegraded(error.message));
    this.#redis.on('ready', () => this.#markHealthy());
  }

  shared(): boolean {
    return !this.#degraded && this.#redis.status === 'ready';
  }

  /** Resolves true once connected, false if not within `timeoutMs` (the store still works, on memory). */
  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.#redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.#redis.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#redis.once('ready', onReady);
    });
  }

  async getMany(keys: readonly string[]): Promise<Found[]> {
    if (this.#redis.status !== 'ready') return this.#fallback.getSync(keys);
    try {
      const values = await this.#redis.mget(...keys.map((k) => this.#prefix + k));
      // A command can time out on a connection that stays up: a later success, not only a reconnect, ends the outage.
      this.#markHealthy();
      return values.map((raw) => {
        if (raw === null) return undefined;
        const newline = raw.indexOf('\n');
        return { expiresAt: Number(raw.slice(0, newline)), value: raw.slice(newline + 1) };
      });
    } catch (error) {
      this.#markDegraded((error as Error).message);
      return this.#fallback.getSync(keys);
    }
  }

  async setMany(entries: readonly EntryToStore[]): Promise<void> {
    if (entries.length === 0) return;
    if (this.#redis.status !== 'ready') return this.#fallback.setSync(entries);
    const pipeline = this.#redis.multi();
    const now = Date.now();
    const tagged = new Map<string, string[]>();
    for (const { key, value, ttlMs, tags } of entries) {
      pipeline.set(this.#prefix + key, `${now + ttlMs}\n${value}`, 'PX', ttlMs);
      for (const tag of tags) {
        let keys = tagged.get(tag);
        if (!keys) tagged.set(tag, (keys = []));
        keys.push(key);
      }
    }
    for (const [tag, keys] of tagged) {
      pipeline.sadd(`${this.#prefix}t:${tag}`, ...keys);
      pipeline.pexpire(`${this.#prefix}t:${tag}`, this.#maxTtlMs);
    }
    try {
      await pipeline.exec();
    } catch (error) {
      this.#markDegraded((error as Error).message);
    }
  }

  /**
   * Purges Redis (so every replica) and this replica's memory. Throws when Redis cannot be reached:
   * the entries there would outlive the outage, so the caller must know the
   * purge did not happen (the endpoint answers 503 and is retried).
   */
  async purge(tags: readonly string[]): Promise<number> {
    const local = this.#fallback.purgeSync(tags);
    if (tags.length === 0) return local;
    return local + (await this.#redis.storefrontCachePurge(this.#prefix, ...tags));
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    await this.#fallback.close();
  }

  #markDegraded(reason: string): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#logger.error({ reason }, 'Redis unreachable: the entity cache falls back to per-process memory');
  }

  #markHealthy(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#fallback.clear();
    this.#logger.warn('Redis reachable again: the entity cache is shared again');
  }
}
