import { Redis, type Result } from 'ioredis';
import type { Logger } from '../../../common/logger.ts';
import { refillMs, type BucketPolicy, type TakeResult } from './leaky-bucket.ts';
import { MemoryBucketStore } from './memory-store.ts';
import type { BucketStore } from './store.ts';

/**
 * The leaky bucket of leaky-bucket.ts, atomically in Redis. Time comes from the
 * Redis server (TIME), not from each gateway, so replicas with drifting clocks
 * still share one consistent budget per client.
 * KEYS[1] bucket key; ARGV: cost (negative = refund), maximum, restore rate per second, ttl ms.
 * Returns { allowed (1|0), available after (string, fractional), retry-after ms }.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cost = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'a', 't')
local available = max
if state[1] then
  local elapsed = math.max(0, now - tonumber(state[2]))
  available = math.min(max, tonumber(state[1]) + elapsed * rate / 1000)
end
local allowed = 1
local retry = 0
if cost <= available then
  available = math.min(max, available - cost)
else
  allowed = 0
  if rate > 0 then retry = math.ceil((cost - available) * 1000 / rate) else retry = -1 end
end
redis.call('HSET', KEYS[1], 'a', tostring(available), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return { allowed, tostring(available), retry }
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    storefrontTake(key: string, cost: number, maximum: number, ratePerSecond: number, ttlMs: number): Result<[number, string, number], Context>;
  }
}

export interface RedisBucketStoreOptions {
  readonly url: string;
  readonly keyPrefix?: string;
  /** A Redis call slower than this falls back to the local bucket. */
  readonly commandTimeoutMs?: number;
  readonly logger: Logger;
}

/**
 * Shared budgets in Redis, with a local fallback: when Redis is unreachable the
 * gateway keeps serving on per-process buckets (each replica then grants its
 * own budget — a client can get up to N× its budget across N replicas, the
 * price of staying up), logs the switch once and reports `local-fallback`
 * until Redis answers again.
 */
export class RedisBucketStore implements BucketStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #fallback = new MemoryBucketStore();
  readonly #logger: Logger;
  #degraded = false;

  constructor(options: RedisBucketStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'storefront:budget:';
    this.#logger = options.logger;
    this.#redis = new Redis(options.url, {
      // Fail fast instead of queueing while disconnected: a request must not
      // wait on a dead Redis; it falls back to the local bucket instead.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 200,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.#redis.on('error', () => this.#markDegraded('connection error'));
    this.#redis.on('ready', () => this.#markHealthy());
    this.#redis.defineCommand('storefrontTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  readonly backend = () => (this.#degraded ? ('local-fallback' as const) : ('redis' as const));

  async take(clientKey: string, cost: number, policy: BucketPolicy): Promise<TakeResult> {
    const reply = await this.#run(clientKey, cost, policy);
    if (!reply) return this.#fallback.takeSync(clientKey, cost, policy);
    const [allowed, available, retry] = reply;
    return { allowed: allowed === 1, currentlyAvailable: Number(available), retryAfterMs: retry < 0 ? Number.POSITIVE_INFINITY : retry };
  }

  async refund(clientKey: string, points: number, policy: BucketPolicy): Promise<number> {
    if (points <= 0) return (await this.take(clientKey, 0, policy)).currentlyAvailable;
    const reply = await this.#run(clientKey, -points, policy);
    if (!reply) return this.#fallback.refundSync(clientKey, points, policy);
    return Number(reply[1]);
  }

  async #run(clientKey: string, cost: number, policy: BucketPolicy): Promise<[number, string, number] | undefined> {
    if (this.#degraded && this.#redis.status !== 'ready') return undefined;
    try {
      const reply = await this.#redis.storefrontTake(this.#prefix + clientKey, cost, policy.maximumAvailable, policy.restoreRatePerSecond, refillMs(policy) + 1000);
      this.#markHealthy();
      return reply;
    } catch (error) {
      this.#markDegraded((error as Error).message);
      return undefined;
    }
  }

  #markDegraded(reason: string): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#logger.error({ reason }, 'Redis unreachable: cost budgets fall back to per-process buckets');
  }

  #markHealthy(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#logger.warn('Redis reachable again: cost budgets are shared again');
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
    await this.#fallback.close();
  }
}
