import { z } from 'zod';
import { secretSchema } from '../../common/secrets.ts';

const redisUrl = z.string().regex(/^rediss?:\/\/\S+$/, { message: 'expected a redis:// or rediss:// URL' });

/**
 * The `entityCache` section of the gateway config (docs/caching.md): entity and
 * root-field caching driven by the Cache-Control each subgraph answers with.
 */
export const entityCacheConfigSchema = z
  .object({
    /**
     * Cache public subgraph data for as long as the subgraph's Cache-Control
     * max-age says. Default true: the hints are the subgraph teams' own promise
     * of how stale their data may be (a price at most 60 s, a product 300 s).
     */
    enabled: z.boolean().default(true),
    /** Bytes of serialized entries kept per process (LRU beyond), in memory or as the fallback while Redis is down. Default 64 MiB. */
    maxBytes: z.number().int().min(1024).max(16 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
    /** Cap on any entry's TTL whatever the subgraph says, in seconds. Default 86400. */
    maxTtlSeconds: z.number().int().min(1).max(30 * 86400).default(86_400),
    /** Share the cache between replicas through Redis. Default: none (per process, in memory). */
    redisUrl: redisUrl.optional(),
    /** Prefix of every cache key and tag set in Redis. Default "entity:". */
    redisKeyPrefix: z.string().default('entity:'),
    /** A Redis call slower than this counts as a failure; the fetch goes on without it. Default 200. */
    redisCommandTimeoutMs: z.number().int().min(1).max(10_000).default(200),
    /** Coalesce identical concurrent fetches of public data into one (stampede control). Default true. */
    coalesce: z.boolean().default(true),
    invalidation: z
      .object({
        /**
         * Shared secret of POST /cache/invalidate (`Authorization: Bearer <secret>`, ≥ 32 chars).
         * Default: none, and then the endpoint does not exist (no anonymous purge).
         */
        secret: secretSchema.optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type EntityCacheConfig = z.output<typeof entityCacheConfigSchema>;
