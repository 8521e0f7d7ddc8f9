import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../common/config.ts';
import type { Logger } from '../common/logger.ts';
import type { Protections } from './admission/admit.ts';
import { DocumentCache } from './admission/document-cache.ts';
import { SchemaState } from './admission/schema-state.ts';
import { readCostDirectives } from './analysis/cost/index.ts';
import { DEFAULT_LIMITS } from './analysis/limits.ts';
import { applyLimitOverrides } from './analysis/limits-config.ts';
import { MemoryBucketStore } from './budget/memory-store.ts';
import type { BucketStore } from './budget/store.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayMetrics } from './metrics.ts';
import { defaultManifestPath, defaultReleasesDir, resolvePersistedQueriesConfig } from './persisted-queries/config.ts';
import { startPersistedQueries } from './persisted-queries/runtime.ts';

/** A directory's `*.json` manifests, oldest release first (numeric-aware: 4.9.0 before 4.10.0). */
function releaseManifests(dir: string, implicit: boolean): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((n) => join(dir, n));
  } catch (error) {
    if (implicit && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError('gateway', [`persistedQueries.releasesDir: cannot read ${dir} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

/**
 * The manifests to load: the profile's main manifest, then every shipped
 * release's, then the extras. The default manifest is optional in modes that
 * accept free-form operations (apq, audit): a team running the gateway on its
 * own supergraph may have none. A manifest named in config, or needed by
 * safelist and require-id, must load, or the gateway does not start.
 */
function manifestsToLoad(config: Readonly<GatewayConfig>, logger: Logger) {
  const resolved = resolvePersistedQueriesConfig(config.profile, config.persistedQueries);
  const { releasesDir } = config.persistedQueries;
  const releases = releasesDir === null ? [] : releaseManifests(releasesDir ?? defaultReleasesDir(config.profile), releasesDir === undefined);
  const mains = config.persistedQueries.manifestPath === null ? 0 : 1; // resolved.manifestPaths is [main?, ...extras]
  const paths = resolved.manifestPaths;
  const withReleases = { ...resolved, manifestPaths: [...paths.slice(0, mains), ...releases, ...paths.slice(mains)] };
  const freeform = resolved.mode === 'apq' || resolved.mode === 'audit';
  const implicit = config.persistedQueries.manifestPath === undefined ? defaultManifestPath(config.profile) : undefined;
  if (!freeform || implicit === undefined || existsSync(implicit)) return withReleases;
  logger.info({ path: implicit, mode: resolved.mode }, 'no persisted-query manifest for this profile; running without one');
  return { ...withReleases, manifestPaths: withReleases.manifestPaths.filter((path) => path !== implicit) };
}

/** The Redis store, and ioredis with it (about 1.3 MB of heap), is loaded only when a Redis URL is configured. */
async function createBucketStore(budget: GatewayConfig['cost']['budget'], logger: Logger): Promise<BucketStore> {
  if (!budget.redisUrl) return new MemoryBucketStore();
  const { RedisBucketStore } = await import('./budget/redis-store.ts');
  return new RedisBucketStore({ url: budget.redisUrl, keyPrefix: budget.redisKeyPrefix, commandTimeoutMs: budget.redisCommandTimeoutMs, logger });
}

/** Builds every protection of one gateway process from its validated config. */
export async function startProtections(config: Readonly<GatewayConfig>, metrics: GatewayMetrics, logger: Logger): Promise<Protections & { close(): Promise<void> }> {
  const persisted = await startPersistedQueries(manifestsToLoad(config, logger), logger, metrics.cacheLookup('apq'));
  const { budget } = config.cost;
  const budgets = await createBucketStore(budget, logger);
  metrics.budgetBackend.set(budgets.backend() === 'redis' ? 1 : 0);
  return {
    limits: applyLimitOverrides(DEFAULT_LIMITS[config.profile], config.limits),
    persisted,
    cost: config.cost,
    budgets,
    schema: new SchemaState((apiSchema, supergraphSdl) => ({ cache: new DocumentCache(apiSchema, { onLookup: metrics.cacheLookup('document') }), directives: readCostDirectives(supergraphSdl) })),
    metrics,
    logger,
    async close() {
      await persisted.close();
      await budgets.close();
    },
  };
}
