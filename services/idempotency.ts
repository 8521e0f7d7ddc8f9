import { LRUCache } from 'lru-cache';

/** What a write answered: replayed as it was, error or not. */
export type WriteOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: Error };

interface Entry {
  /** Method, route and body of the first request with this key. */
  readonly fingerprint: string;
  /** Settles once the first request is done; concurrent retries wait on it. */
  readonly outcome: Promise<WriteOutcome>;
}

export type IdempotentRun =
  | { readonly kind: 'first'; readonly outcome: WriteOutcome }
  | { readonly kind: 'replay'; readonly outcome: WriteOutcome }
  | { readonly kind: 'mismatch' };

export interface IdempotencyStoreOptions {
  /** How long a key is remembered after its write. Default 24 h (Stripe's figure). */
  readonly ttlMs?: number;
  /** Most keys remembered; the least recently used go first. Default 100,000. */
  readonly maxKeys?: number;
  /** The clock TTLs are measured with (tests inject one). Default performance.now. */
  readonly now?: () => number;
  /** Whether an outcome is worth remembering: a write that failed for lack of the service is not, so a retry runs again. */
  readonly remember?: (outcome: WriteOutcome) => boolean;
}

/**
 * Key → outcome of one write, bounded in time and in memory (lru-cache: TTL
 * plus a maximum count, evicting the least recently used). The same key again
 * answers the first outcome without running the write; while the first is
 * still running, later ones wait for it; the same key on a different request
 * is refused (the client reused a key by mistake, and guessing would be
 * wrong either way). Keys are scoped by the caller (the cart service prefixes
 * the user), so two users' keys never meet.
 */
export class IdempotencyStore {
  readonly #entries: LRUCache<string, Entry>;
  readonly #remember: (outcome: WriteOutcome) => boolean;

  constructor(options: IdempotencyStoreOptions = {}) {
    this.#entries = new LRUCache<string, Entry>({
      max: options.maxKeys ?? 100_000,
      ttl: options.ttlMs ?? 24 * 3600_000,
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
    this.#remember = options.remember ?? (() => true);
  }

  async run(key: string, fingerprint: string, write: () => unknown): Promise<IdempotentRun> {
    const existing = this.#entries.get(key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return { kind: 'replay', outcome: await existing.outcome };
    }
    // Registered before the first await: a retry arriving meanwhile finds it.
    const outcome = Promise.resolve().then(write).then(
      (value): WriteOutcome => ({ ok: true, value }),
      (error: unknown): WriteOutcome => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.#entries.set(key, { fingerprint, outcome });
    const settled = await outcome;
    if (!this.#remember(settled)) this.#entries.delete(key);
    return { kind: 'first', outcome: settled };
  }

  get size(): number {
    return this.#entries.size;
  }
}
