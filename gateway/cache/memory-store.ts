import { LRUCache } from 'lru-cache';
import type { CacheStore, EntryToStore, Found, StoredEntry } from './store.ts';

interface MemoryEntry extends StoredEntry {
  readonly tags: readonly string[];
}

/**
 * Entries in this process, bounded by bytes (lru-cache's maxSize with the
 * entry's text length: the JSON is what is held). A tag index finds what a
 * purge removes; evicted and expired entries leave the index as they go.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries: LRUCache<string, MemoryEntry>;
  readonly #byTag = new Map<string, Set<string>>();

  constructor(maxBytes: number) {
    this.#entries = new LRUCache<string, MemoryEntry>({
      maxSize: maxBytes,
      // Two bytes per UTF-16 unit of the key and value, plus the tags' keys in the index.
      sizeCalculation: (entry, key) => 2 * (entry.value.length + key.length) + 64 * entry.tags.length + 64,
      ttlAutopurge: false,
      allowStale: false,
      dispose: (entry, key) => this.#unindex(key, entry.tags),
    });
  }

  getSync(keys: readonly string[]): Found[] {
    return keys.map((key) => {
      const status: LRUCache.Status<string, MemoryEntry> = {};
      const entry = this.#entries.get(key, { status });
      if (entry) return entry;
      return status.get === 'stale' ? 'stale' : undefined;
    });
  }

  async getMany(keys: readonly string[]): Promise<Found[]> {
    return this.getSync(keys);
  }

  setSync(entries: readonly EntryToStore[]): void {
    const now = Date.now();
    for (const { key, value, ttlMs, tags } of entries) {
      this.#entries.set(key, { value, expiresAt: now + ttlMs, tags }, { ttl: ttlMs });
      for (const tag of tags) {
        let keys = this.#byTag.get(tag);
        if (!keys) this.#byTag.set(tag, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  async setMany(entries: readonly EntryToStore[]): Promise<void> {
    this.setSync(entries);
  }

  purgeSync(tags: readonly string[]): number {
    let removed = 0;
    for (const tag of tags) {
      for (const key of [...(this.#byTag.get(tag) ?? [])]) if (this.#entries.delete(key)) removed++;
      this.#byTag.delete(tag);
    }
    return removed;
  }

  async purge(tags: readonly string[]): Promise<number> {
    return this.purgeSync(tags);
  }

  clear(): void {
    this.#entries.clear();
    this.#byTag.clear();
  }

  /** Bytes held, as counted against maxBytes. */
  get bytes(): number {
    return this.#entries.calculatedSize;
  }

  shared(): boolean {
    return false;
  }

  async close(): Promise<void> {
    this.clear();
  }

  #unindex(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.#byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#byTag.delete(tag);
    }
  }
}
