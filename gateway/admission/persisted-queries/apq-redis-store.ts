import { Redis } from 'ioredis';
import type { Logger } from '../../../common/logger.ts';
import { checkTtl, type ApqStore } from './apq-store.ts';

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
