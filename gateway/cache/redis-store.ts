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
 * tags as sets). Redis is an optimisation, never a dependency: while it is
 * unreachable the replica caches in its own memory (logged once per outage,
 * `storefront_gateway_entity_cache_shared` 0), and that memory is dropped when
 * Redis returns, since it may hold entries purged meanwhile. Purges are also
 * published, so every replica's fallback memory drops them within milliseconds.
 */
export class RedisCacheStore implements CacheStore {
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #maxTtlMs: number;
  readonly #fallback: MemoryCacheStore;
  readonly #logger: Logger;
  #degraded = false;

  constructor(options: RedisCacheStoreOptions) {
    this.#prefix = options.keyPrefix;
    this.#channel = `${options.keyPrefix}invalidations`;
    this.#maxTtlMs = options.maxTtlMs;
    this.#logger = options.logger;
    this.#fallback = new MemoryCacheStore(options.fallbackBytes);
    const connection = {
      // Fail at once while disconnected instead of queueing: a fetch must never wait for Redis to return.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
      disconnectTimeout: 100,
    };
    this.#redis = new Redis(options.url, connection);
    this.#redis.defineCommand('storefrontCachePurge', { numberOfKeys: 0, lua: PURGE_SCRIPT });
    this.#redis.on('error', (error: Error) => this.#markDegraded(error.message));
    this.#redis.on('ready', () => this.#markHealthy());
    // A subscribed connection can send nothing else, hence its own; it
    // resubscribes by itself after a reconnect (ioredis autoResubscribe).
    this.#subscriber = new Redis(options.url, { ...connection, enableOfflineQueue: true, commandTimeout: undefined });
    this.#subscriber.on('error', () => {});
    this.#subscriber.on('message', (_channel: string, message: string) => this.#onRemotePurge(message));
    void this.#subscriber.subscribe(this.#channel).catch(() => {});
  }

  shared(): boolean {
    return !this.#degraded && this.#redis.status === 'ready';
  }

  /** Resolves once both connections are up (tests, start-up log). */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.shared() && this.#subscriber.status === 'ready') return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
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
   * Purges Redis and tells every replica. Throws when Redis cannot be reached:
   * the entries there would outlive the outage, so the caller must know the
   * purge did not happen (the endpoint answers 503 and is retried).
   */
  async purge(tags: readonly string[]): Promise<number> {
    const local = this.#fallback.purgeSync(tags);
    if (tags.length === 0) return local;
    const removed = await this.#redis.storefrontCachePurge(this.#prefix, ...tags);
    await this.#redis.publish(this.#channel, JSON.stringify(tags));
    return removed + local;
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    this.#subscriber.disconnect();
    await this.#fallback.close();
  }

  #onRemotePurge(message: string): void {
    try {
      const tags: unknown = JSON.parse(message);
      if (Array.isArray(tags)) this.#fallback.purgeSync(tags.filter((t): t is string => typeof t === 'string'));
    } catch {
      this.#logger.warn('ignored a malformed cache invalidation message');
    }
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
