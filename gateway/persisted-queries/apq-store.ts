import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../common/logger.ts';

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

function checkTtl(ttlSeconds: number): void {
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

export interface RedisApqStoreOptions {
  /** redis://[user:password@]host:port[/db] */
  readonly url: string;
  readonly ttlSeconds: number;
  /** Prepended to every key, so several profiles or apps can share one Redis. Default "apq:". */
  readonly keyPrefix?: string;
  /** A command slower than this counts as a failure: a slow Redis must not slow every request. Default 500. */
  readonly commandTimeoutMs?: number;
  /** Per connection attempt. Default 2000. */
  readonly connectTimeoutMs?: number;
  readonly logger: Logger;
}

export type RedisApqStoreState = 'connecting' | 'ready' | 'degraded' | 'closed';

/**
 * APQ shared by every gateway replica through Redis (`SET key value EX ttl`).
 * Redis is an optimisation here, never a dependency: while it is unreachable
 * `get` misses (clients resend the body) and `set` drops the entry, the store
 * reports `degraded`, logs once per outage, and reconnects in the background.
 */
export class RedisApqStore implements ApqStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly logger: Logger;
  private status: RedisApqStoreState = 'connecting';

  constructor(options: RedisApqStoreOptions) {
    checkTtl(options.ttlSeconds);
    this.prefix = options.keyPrefix ?? 'apq:';
    this.ttlSeconds = options.ttlSeconds;
    this.logger = options.logger;
    this.redis = new Redis(options.url, {
      // Fail commands at once while disconnected instead of queueing them
      // behind a reconnect: a request must never wait for Redis to come back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      // Keep trying for ever, at most every 2 s, so the store heals by itself.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      // A half-open socket would otherwise hold shutdown for 2 s.
      disconnectTimeout: 100,
    });
    this.redis.on('ready', () => this.recover());
    // Without an 'error' listener ioredis's errors would crash the process.
    this.redis.on('error', (error: Error) => this.degrade(error));
  }

  /** `ready`, `connecting` (not yet connected), `degraded` (unreachable or failing), or `closed`. */
  get state(): RedisApqStoreState {
    return this.status;
  }

  get degraded(): boolean {
    return this.status === 'degraded';
  }

  /** Resolves true once connected, false if not within `timeoutMs` (the store still works, degraded). */
  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  async get(hash: string): Promise<string | undefined> {
    try {
      const query = await this.redis.get(this.prefix + hash);
      this.recover();
      return query ?? undefined;
    } catch (error) {
      this.degrade(error as Error);
      return undefined;
    }
  }

  async set(hash: string, query: string): Promise<void> {
    try {
      await this.redis.set(this.prefix + hash, query, 'EX', this.ttlSeconds);
      this.recover();
    } catch (error) {
      this.degrade(error as Error);
    }
  }

  async close(): Promise<void> {
    if (this.status === 'closed') return;
    this.status = 'closed';
    // disconnect, not quit: quit waits for a reply an unreachable Redis never sends.
    this.redis.disconnect();
  }

  // A command can fail (timeout) on a connection that stays up, so a later
  // success, not only a reconnect, ends the degraded state.
  private recover(): void {
    if (this.status === 'degraded') this.logger.info('APQ Redis reachable again; shared APQ store restored');
    if (this.status !== 'closed') this.status = 'ready';
  }

  private degrade(error: Error): void {
    if (this.status === 'closed' || this.status === 'degraded') return;
    this.status = 'degraded';
    this.logger.warn({ reason: error.message }, 'APQ Redis unreachable; serving without the shared APQ store until it returns');
  }
}
