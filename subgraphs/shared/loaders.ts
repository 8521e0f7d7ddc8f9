import DataLoader from 'dataloader';
import { ErrorCode } from '../../common/errors.ts';
import type { RestFetch } from './context.ts';
import type { LoaderCacheObserver, LoaderObservers } from './metrics.ts';
import { alignToKeys, MAX_BATCH_SIZE } from './batch.ts';
import { upstreamError } from './upstream-errors.ts';

export interface BatchEndpoint<V> {
  /** Upstream name, for error extensions. */
  readonly service: string;
  /** Batch route, e.g. "/products"; called as `/products?ids=a,b,c`. */
  readonly path: string;
  /** Query parameter carrying the ids, e.g. "ids". */
  readonly idsParam: string;
  /** Fixed extra query parameters (e.g. a loyalty tier). */
  readonly query?: Record<string, string | undefined>;
  readonly keyOf: (item: V) => string;
  /** Human name for NOT_FOUND messages, e.g. "Product". */
  readonly resource: string;
  /** What a key the upstream omitted resolves to; default: a NOT_FOUND error in its slot. */
  readonly whenMissing?: (key: string) => V;
}

/**
 * A per-request DataLoader over a REST batch endpoint (`GET /path?ids=a,b,c`
 * answering `{ items: [...] }`): all loads of one tick become one call, chunked
 * at the upstream's limit of 100 ids; duplicate keys are sent once. With
 * `observers`, every load is counted as a cache hit or miss under the route.
 */
export function batchLoader<V>(rest: RestFetch, endpoint: BatchEndpoint<V>, observers?: LoaderObservers): DataLoader<string, V> {
  const batch = async (keys: readonly string[]): Promise<(V | Error)[]> => {
    const { items } = await rest<{ items: V[] }>({
      method: 'GET',
      path: endpoint.path,
      route: endpoint.path,
      query: { ...endpoint.query, [endpoint.idsParam]: keys.join(',') },
      resource: `${endpoint.resource} batch`,
      batchSize: keys.length,
    });
    const aligned = alignToKeys(keys, items, endpoint.keyOf, (key) => upstreamError(endpoint.service, `${endpoint.resource} ${key}`, { kind: 'status', status: 404 }));
    const { whenMissing } = endpoint;
    return whenMissing ? aligned.map((value, i) => (value instanceof Error ? whenMissing(keys[i]!) : value)) : aligned;
  };
  const options = { maxBatchSize: MAX_BATCH_SIZE };
  return observers ? new CountingLoader<V>(batch, options, observers(endpoint.path)) : new DataLoader<string, V>(batch, options);
}

/**
 * A DataLoader that counts each load as a hit (the key is in its cache: loaded
 * or primed earlier in this request, or already waiting in the current batch)
 * or a miss (the key joins a batch). It keeps the cache map it hands to
 * DataLoader, so the check is one Map lookup; `loadMany` goes through `load`.
 */
class CountingLoader<V> extends DataLoader<string, V> {
  readonly #cache: Map<string, Promise<V>>;
  readonly #observer: LoaderCacheObserver;

  constructor(batch: DataLoader.BatchLoadFn<string, V>, options: DataLoader.Options<string, V>, observer: LoaderCacheObserver, cache = new Map<string, Promise<V>>()) {
    super(batch, { ...options, cacheMap: cache });
    this.#cache = cache;
    this.#observer = observer;
  }

  override load(key: string): Promise<V> {
    if (this.#cache.has(key)) this.#observer.hit();
    else this.#observer.miss();
    return super.load(key);
  }
}

/** True for the NOT_FOUND error a loader puts in a missing key's slot (so nullable fields can answer null). */
export function isNotFound(error: unknown): boolean {
  return (error as { extensions?: { code?: unknown } } | null)?.extensions?.code === ErrorCode.NOT_FOUND;
}

/** Loads one key, answering null instead of NOT_FOUND. */
export async function loadOrNull<V>(loader: DataLoader<string, V>, key: string): Promise<V | null> {
  try {
    return await loader.load(key);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Loads many keys, answering null for NOT_FOUND slots and rethrowing any other failure. */
export async function loadManyOrNull<V>(loader: DataLoader<string, V>, keys: readonly string[]): Promise<(V | null)[]> {
  const results = await loader.loadMany(keys);
  return results.map((result) => {
    if (!(result instanceof Error)) return result;
    if (isNotFound(result)) return null;
    throw result;
  });
}
