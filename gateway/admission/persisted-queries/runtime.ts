import type { Logger } from '../../../common/logger.ts';
import { MemoryApqStore, type ApqStore } from './apq-store.ts';
import { UnknownOperationAudit } from './audit.ts';
import type { ResolvedPersistedQueriesConfig } from './config.ts';
import { apqLookupFor, decide, type PersistedQueryMode, type PersistedQueryOutcome } from './decide.ts';
import { watchManifests, type ManifestWatcher } from './manifest-watcher.ts';
import { extractPersistedQuery, type HttpGraphQLInput, type PersistedQueryRequest } from './request.ts';
import type { Rejection } from '../rejection.ts';

export type HandledRequest =
  | { readonly kind: 'allow'; readonly request: PersistedQueryRequest; readonly outcome: Extract<PersistedQueryOutcome, { kind: 'allow' }> }
  | Rejection;

/** The persisted-query building blocks assembled for one gateway process. */
export interface PersistedQueries {
  readonly mode: PersistedQueryMode;
  readonly manifests: ManifestWatcher;
  readonly store: ApqStore;
  readonly audit: UnknownOperationAudit;
  /**
   * Extract → APQ lookup (only when the decision needs it) → decide. Audit
   * mode's unknown operations are recorded here. Nothing is parsed.
   */
  handle(input: HttpGraphQLInput, client: string): Promise<HandledRequest>;
  /** Call with `outcome.register` once the operation has validated. */
  register(registration: { readonly hash: string; readonly query: string }): Promise<void>;
  close(): Promise<void>;
}

/** The Redis store, and ioredis with it (about 1.3 MB of heap), is loaded only when a Redis URL is configured. */
export async function createApqStore(apq: ResolvedPersistedQueriesConfig['apq'], logger: Logger): Promise<ApqStore> {
  if (!apq.redisUrl) return new MemoryApqStore({ maxEntries: apq.maxEntries, maxBytes: apq.maxBytes, ttlSeconds: apq.ttlSeconds });
  const { RedisApqStore } = await import('./apq-redis-store.ts');
  return new RedisApqStore({ url: apq.redisUrl, ttlSeconds: apq.ttlSeconds, keyPrefix: apq.redisKeyPrefix, commandTimeoutMs: apq.redisCommandTimeoutMs, logger });
}

/**
 * Loads the manifests (a broken one stops the start) and opens the APQ store.
 * `onApqLookup` hears of every store lookup: a hit is text that executes (text
 * that does not hash to its key is a miss, as `decide` treats it).
 */
export async function startPersistedQueries(config: ResolvedPersistedQueriesConfig, logger: Logger, onApqLookup: (hit: boolean) => void = () => {}): Promise<PersistedQueries> {
  const manifests = await watchManifests({ paths: config.manifestPaths, directories: config.manifestDirs ?? [], watch: config.watchManifests, logger });
  const store = await createApqStore(config.apq, logger);
  const audit = new UnknownOperationAudit(logger);
  const { mode } = config;
  return {
    mode,
    manifests,
    store,
    audit,
    async handle(input, client) {
      const extracted = extractPersistedQuery(input);
      if (extracted.kind === 'reject') return extracted;
      const { request } = extracted;
      const manifest = manifests.current();
      const hash = apqLookupFor(mode, request, manifest);
      const outcome = decide(mode, request, manifest, hash === undefined ? undefined : await store.get(hash));
      // A lookup happens only for an id alone that is not in the manifest, so
      // the outcome allows exactly when the store held the text.
      if (hash !== undefined) onApqLookup(outcome.kind === 'allow');
      if (outcome.kind === 'reject') return outcome;
      if (outcome.via === 'audit-unknown') audit.record({ client, operationName: request.operationName, query: outcome.query });
      return { kind: 'allow', request, outcome };
    },
    register: (registration) => store.set(registration.hash, registration.query),
    async close() {
      manifests.close();
      await store.close();
    },
  };
}
