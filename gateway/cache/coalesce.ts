/** What a follower gets when the work it joined failed: the failure was the leader's (its deadline, its breaker), not the follower's. */
export class CoalescedFailure extends Error {
  override readonly name = 'CoalescedFailure';
}

interface Flight<T> {
  readonly done: Promise<{ result: T; snapshot: string | undefined }>;
  followers: number;
}

/**
 * One in-flight promise per key: concurrent callers with the same key share
 * the first caller's work (stampede control). Written by hand: the libraries
 * for this (p-memoize, dataloader) also cache the result or batch by tick;
 * here the entry must go the moment the work settles, and callers must learn
 * whether they led or joined.
 */
export class Coalescer {
  readonly #inFlight = new Map<string, Flight<unknown>>();

  /** `onJoin` runs at once when this call joins work in flight (metrics count a stampede as it forms). */
  async run<T extends { readonly response: { data?: unknown; errors?: unknown; extensions?: unknown } }>(key: string, work: () => Promise<T>, onJoin?: () => void): Promise<T & { joined: boolean }> {
    const pending = this.#inFlight.get(key) as Flight<T> | undefined;
    if (pending) {
      pending.followers++;
      onJoin?.();
      const { result, snapshot } = await pending.done.catch((error: unknown) => {
        throw new CoalescedFailure((error as Error).message);
      });
      // Each follower gets its own copy, parsed from a snapshot taken before the
      // leader's request could change the objects: the gateway merges answers in place.
      return { ...result, response: JSON.parse(snapshot!) as T['response'], joined: true };
    }
    const flight: Flight<T> = {
      followers: 0,
      // Leaves the map in the same callback that counts the followers, so none can join after the snapshot decision.
      done: work().then(
        (result) => {
          this.#inFlight.delete(key);
          const { data, errors, extensions } = result.response;
          return { result, snapshot: flight.followers > 0 ? JSON.stringify({ data, errors, extensions }) : undefined };
        },
        (error: unknown) => {
          this.#inFlight.delete(key);
          throw error;
        },
      ),
    };
    this.#inFlight.set(key, flight);
    const { result } = await flight.done;
    return { ...result, joined: false };
  }
}
