import { existsSync } from 'node:fs';
import type { Logger } from '../../common/logger.ts';
import type { Protections } from './admit.ts';
import { DocumentCache } from './document-cache.ts';
import { SchemaState } from './schema-state.ts';
import { readCostDirectives, unsizedListFields, type CostDirectives } from './cost/index.ts';
import type { GraphQLSchema } from 'graphql';
import { DEFAULT_LIMITS } from './limits/limits.ts';
import { applyLimitOverrides } from './limits/config.ts';
import { MemoryBucketStore } from './budget/memory-store.ts';
import type { BucketStore } from './budget/store.ts';
import type { GatewayConfig } from '../config.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { defaultManifestPath, defaultReleasesDir, resolvePersistedQueriesConfig, type ResolvedPersistedQueriesConfig } from './persisted-queries/config.ts';
import { startPersistedQueries } from './persisted-queries/runtime.ts';

/**
 * The manifests to load: the profile's main manifest and the extras, plus the
 * directory of shipped releases (every `*.json` in it, re-read on each reload,
 * so a new release is served without a restart). The default manifest and
 * releases directory are optional where they do not exist (the default
 * manifest only in modes that accept free-form operations: apq, audit); a
 * path named in config, or the manifest safelist and require-id need, must
 * load, or the gateway does not start.
 */
function manifestsToLoad(config: Readonly<GatewayConfig>, logger: Logger): ResolvedPersistedQueriesConfig {
  const resolved = resolvePersistedQueriesConfig(config.profile, config.persistedQueries);
  const { releasesDir } = config.persistedQueries;
  const releases = releasesDir === undefined ? defaultReleasesDir(config.profile) : releasesDir;
  const manifestDirs = releases === null || (releasesDir === undefined && !existsSync(releases)) ? [] : [releases];
  const withReleases = { ...resolved, manifestDirs };
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

/**
 * Reads the cost directives of a newly loaded supergraph and warns, once per
 * load, about the list fields its estimates have to guess: on a graph without
 * `@listSize` that is every list, and the operator should know before the
 * first refusal (docs/cost.md, `npm run cost:suggest`).
 */
function costDirectivesOf(apiSchema: GraphQLSchema, supergraphSdl: string, defaultListSize: number, logger: Logger): CostDirectives {
  const directives = readCostDirectives(supergraphSdl);
  const unsized = unsizedListFields(apiSchema, directives);
  if (unsized.length > 0) {
    const fields = unsized.map((f) => (f.inferredSlicingArguments.length > 0 ? `${f.coordinate} (sized by ${f.inferredSlicingArguments.join('/')})` : f.coordinate));
    logger.warn(
      { fields, defaultListSize },
      `${unsized.length} list field(s) have no @listSize: costed by first/last/limit when given, else as ${defaultListSize} items; annotate them (npm run cost:suggest prints annotations from observed sizes)`,
    );
  }
  return directives;
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
    schema: new SchemaState((apiSchema, supergraphSdl) => ({ cache: new DocumentCache(apiSchema, { onLookup: metrics.cacheLookup('document') }), directives: costDirectivesOf(apiSchema, supergraphSdl, config.cost.defaultListSize, logger) })),
    metrics,
    logger,
    async close() {
      await persisted.close();
      await budgets.close();
    },
  };
}
