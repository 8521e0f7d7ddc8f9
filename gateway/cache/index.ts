import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import type { GatewayContext } from '../context.ts';
import type { EntityCacheConfig } from './config.ts';
import { EntityCache } from './entity-cache.ts';
import { MemoryCacheStore } from './memory-store.ts';
import { createEntityCacheMetrics } from './metrics.ts';
import { entityCachePlugin } from './plugin.ts';
import { registerInvalidationRoute } from './invalidation-route.ts';
import type { CacheStore } from './store.ts';

export interface RunningEntityCache {
  /** Undefined when the cache is off: the data sources then send every fetch. */
  readonly cache: EntityCache | undefined;
  readonly plugins: readonly ApolloServerPlugin<GatewayContext>[];
  registerRoutes(app: FastifyInstance): void;
  close(): Promise<void>;
}

/** The Redis store, and a second Redis connection for its invalidations, only when a URL is configured. */
async function createStore(config: EntityCacheConfig, logger: Logger): Promise<CacheStore> {
  if (!config.redisUrl) return new MemoryCacheStore(config.maxBytes);
  const { RedisCacheStore } = await import('./redis-store.ts');
  return new RedisCacheStore({
    url: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    fallbackBytes: config.maxBytes,
    maxTtlMs: config.maxTtlSeconds * 1000,
    logger,
  });
}

export async function startEntityCache(config: EntityCacheConfig, options: { registry: Registry; logger: Logger; exposeInExtensions: boolean }): Promise<RunningEntityCache> {
  if (!config.enabled) return { cache: undefined, plugins: [], registerRoutes: () => {}, close: async () => {} };
  const logger = options.logger.child({ component: 'entity-cache' });
  const store = await createStore(config, logger);
  const metrics = createEntityCacheMetrics(options.registry, () => store.shared());
  const cache = new EntityCache({ store, metrics, logger, maxTtlSeconds: config.maxTtlSeconds, coalesce: config.coalesce });
  return {
    cache,
    plugins: [entityCachePlugin({ exposeInExtensions: options.exposeInExtensions })],
    registerRoutes(app) {
      const { secret } = config.invalidation;
      if (secret) registerInvalidationRoute(app, { secret, store, metrics, logger });
    },
    close: () => store.close(),
  };
}
