import { z } from 'zod';
import type { ProfileName } from '../../profiles.ts';
import { MAX_APQ_TTL_SECONDS } from './apq-store.ts';
import { PERSISTED_QUERY_MODES, type PersistedQueryMode } from './decide.ts';

/** Each profile's mode when config says nothing: shipped apps send ids only; the web keeps APQ. */
export const DEFAULT_PERSISTED_QUERY_MODE: Readonly<Record<ProfileName, PersistedQueryMode>> = {
  web: 'apq',
  mobile: 'require-id',
};

export const defaultManifestPath = (profile: ProfileName) => `persisted-queries/manifests/${profile}.json`;
export const defaultReleasesDir = (profile: ProfileName) => `persisted-queries/releases/${profile}`;

const apqSchema = z
  .object({
    /** How long a registered APQ entry lives, in seconds (1 s to 30 days: never unbounded). Default 86400 (one day). */
    ttlSeconds: z.number().int().min(1).max(MAX_APQ_TTL_SECONDS).default(86_400),
    /** In-memory store: most entries kept (LRU). Default 10000. */
    maxEntries: z.number().int().min(1).max(10_000_000).default(10_000),
    /** In-memory store: most UTF-8 bytes of query text kept in total. Default 33554432 (32 MiB). */
    maxBytes: z.number().int().min(1024).max(4 * 1024 * 1024 * 1024).default(32 * 1024 * 1024),
    /** Share APQ between replicas through Redis, e.g. redis://127.0.0.1:6379/0. Default: none (in-memory). */
    redisUrl: z.string().regex(/^rediss?:\/\/\S+$/, { message: 'expected a redis:// or rediss:// URL' }).optional(),
    /** Prefix of every Redis key. Default "apq:". */
    redisKeyPrefix: z.string().default('apq:'),
    /** A Redis command slower than this is a miss (the store reports degraded). Default 500. */
    redisCommandTimeoutMs: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();

/** The `persistedQueries` section of the gateway config. */
export const persistedQueriesConfigSchema = z
  .object({
    /** safelist | require-id | apq | audit. Default: the profile's (web apq, mobile require-id). */
    mode: z.enum(PERSISTED_QUERY_MODES).optional(),
    /** The profile's manifest; null for none. Default persisted-queries/manifests/<profile>.json. */
    manifestPath: z.string().min(1).nullable().optional(),
    /**
     * Manifests of shipped app releases: every `*.json` in this directory is merged after the main
     * manifest, so a version released months ago keeps its ids (`npm run pq:release` adds one;
     * `npm run schema:check` checks them all). null: none. Default persisted-queries/releases/<profile>.
     */
    releasesDir: z.string().min(1).nullable().optional(),
    /** More manifests merged into the list (e.g. an internal tool's operations). Default []. */
    extraManifests: z.array(z.string().min(1)).default([]),
    /** Reload the manifests when their files change. Default true. */
    watchManifests: z.boolean().default(true),
    apq: apqSchema.default(apqSchema.parse({})),
  })
  .strict();

export type PersistedQueriesConfig = z.output<typeof persistedQueriesConfigSchema>;
export type ApqConfig = z.output<typeof apqSchema>;

export interface ResolvedPersistedQueriesConfig {
  readonly mode: PersistedQueryMode;
  /** The main manifest first, then the extras. */
  readonly manifestPaths: readonly string[];
  /** Directories whose every `*.json` is a manifest (shipped releases), re-read on reload. Default none. */
  readonly manifestDirs?: readonly string[];
  readonly watchManifests: boolean;
  readonly apq: ApqConfig;
}

/** Fills the profile's defaults into a validated section. */
export function resolvePersistedQueriesConfig(profile: ProfileName, config: PersistedQueriesConfig): ResolvedPersistedQueriesConfig {
  const main = config.manifestPath === undefined ? defaultManifestPath(profile) : config.manifestPath;
  return {
    mode: config.mode ?? DEFAULT_PERSISTED_QUERY_MODE[profile],
    manifestPaths: [...(main === null ? [] : [main]), ...config.extraManifests],
    watchManifests: config.watchManifests,
    apq: config.apq,
  };
}
