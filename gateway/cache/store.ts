/** One cached answer: its JSON text (parsed afresh for every hit, so no request can alter another's copy) and when it expires. */
export interface StoredEntry {
  readonly value: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export interface EntryToStore {
  readonly key: string;
  readonly value: string;
  readonly ttlMs: number;
  readonly tags: readonly string[];
}

/** A lookup: the entry, `stale` when one was there but had expired, or undefined. */
export type Found = StoredEntry | 'stale' | undefined;

/** Where entries live: one process's memory, or Redis shared by every replica. */
export interface CacheStore {
  getMany(keys: readonly string[]): Promise<Found[]>;
  setMany(entries: readonly EntryToStore[]): Promise<void>;
  /** Removes every entry carrying one of the tags, on every replica; resolves with how many this store removed. */
  purge(tags: readonly string[]): Promise<number>;
  /** True while entries are shared between replicas (Redis reachable). */
  shared(): boolean;
  close(): Promise<void>;
}
