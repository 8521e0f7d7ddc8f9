import type { RestRetryConfig } from './config.ts';

/**
 * Delay before retry number `retry` (1 for the first retry): "full jitter"
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"), uniformly random in
 * [0, min(maxDelayMs, baseDelayMs × 2^(retry-1))], so clients that failed
 * together do not retry together.
 */
export function backoffDelayMs(retry: number, config: Pick<RestRetryConfig, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Whether a retry that first waits `delayMs` may start with `remainingMs` of the
 * request's deadline left: only if at least `minAttemptMs` is left for the
 * attempt itself. A retry that cannot finish before the caller gives up only
 * adds load to an upstream that is already failing.
 */
export function retryFitsDeadline(remainingMs: number, delayMs: number, minAttemptMs: number): boolean {
  return remainingMs - delayMs >= minAttemptMs;
}

const BUCKETS = 10;

/**
 * A retry budget (Finagle's RetryBudget; gRPC's retry throttling is the same
 * idea): every first attempt deposits `budgetPercent`/100 of a token, every
 * retry withdraws a whole one, and deposits expire after `windowMs`, plus a
 * reserve of `minRetriesPerSecond` × window seconds. When most calls fail, the
 * retries of the last window reach their share and further retries are refused,
 * so retries add at most ~`budgetPercent` to the load of an upstream in trouble
 * instead of multiplying it by maxAttempts.
 *
 * Counted in 10 buckets of windowMs/10: a bucket older than the window is
 * dropped whole, so the window is at most one bucket longer than configured.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #reserve: number;
  readonly #bucketMs: number;
  readonly #now: () => number;
  /** [bucket index (time / bucketMs), first attempts, retries], oldest first. */
  readonly #buckets: [number, number, number][] = [];

  constructor(config: Pick<RestRetryConfig, 'budgetPercent' | 'minRetriesPerSecond'> & { windowMs: number }, now: () => number = Date.now) {
    this.#ratio = config.budgetPercent / 100;
    this.#reserve = (config.minRetriesPerSecond * config.windowMs) / 1000;
    this.#bucketMs = Math.max(1, Math.floor(config.windowMs / BUCKETS));
    this.#now = now;
  }

  /** A first attempt (any method): earns a share of a retry. */
  deposit(): void {
    this.#current()[1]++;
  }

  /** Spends one retry if the budget allows it; false means "do not retry". */
  tryWithdraw(): boolean {
    const bucket = this.#current();
    let firstAttempts = 0;
    let retries = 0;
    for (const [, f, r] of this.#buckets) {
      firstAttempts += f;
      retries += r;
    }
    if (firstAttempts * this.#ratio + this.#reserve - retries < 1) return false;
    bucket[2]++;
    return true;
  }

  #current(): [number, number, number] {
    const index = Math.floor(this.#now() / this.#bucketMs);
    while (this.#buckets.length > 0 && this.#buckets[0]![0] <= index - BUCKETS) this.#buckets.shift();
    const last = this.#buckets[this.#buckets.length - 1];
    if (last && last[0] === index) return last;
    const fresh: [number, number, number] = [index, 0, 0];
    this.#buckets.push(fresh);
    return fresh;
  }
}
