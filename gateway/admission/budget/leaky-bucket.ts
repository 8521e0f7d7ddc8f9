/**
 * A cost budget as Shopify's GraphQL Admin API models it: each client has a
 * bucket of `maximumAvailable` points that refills at `restoreRate` points per
 * second. An operation takes its estimated cost before it runs; afterwards the
 * difference to its actual cost is given back.
 *
 * Pure arithmetic on a bucket state, shared by the in-memory and the Redis
 * stores (the Redis Lua script mirrors it line by line).
 */
export interface BucketPolicy {
  readonly maximumAvailable: number;
  readonly restoreRatePerSecond: number;
}

export interface BucketState {
  /** Points available at `updatedAtMs`. */
  readonly available: number;
  readonly updatedAtMs: number;
}

export interface TakeResult {
  readonly allowed: boolean;
  /** Points left after this take (or, when refused, available now). */
  readonly currentlyAvailable: number;
  /** When refused: how long until the bucket holds enough. */
  readonly retryAfterMs: number;
}

export function availableAt(state: BucketState | undefined, policy: BucketPolicy, nowMs: number): number {
  if (!state) return policy.maximumAvailable;
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  return Math.min(policy.maximumAvailable, state.available + (elapsedMs * policy.restoreRatePerSecond) / 1000);
}

export function take(state: BucketState | undefined, policy: BucketPolicy, cost: number, nowMs: number): { result: TakeResult; next: BucketState } {
  const available = availableAt(state, policy, nowMs);
  if (cost <= available) {
    const left = available - cost;
    return { result: { allowed: true, currentlyAvailable: left, retryAfterMs: 0 }, next: { available: left, updatedAtMs: nowMs } };
  }
  const missing = cost - available;
  const retryAfterMs = policy.restoreRatePerSecond > 0 ? Math.ceil((missing * 1000) / policy.restoreRatePerSecond) : Number.POSITIVE_INFINITY;
  return { result: { allowed: false, currentlyAvailable: available, retryAfterMs }, next: { available, updatedAtMs: nowMs } };
}

/** Gives points back (estimated minus actual), never above the maximum. */
export function refund(state: BucketState | undefined, policy: BucketPolicy, points: number, nowMs: number): BucketState {
  const available = availableAt(state, policy, nowMs);
  return { available: Math.min(policy.maximumAvailable, available + Math.max(0, points)), updatedAtMs: nowMs };
}

/** How long an idle bucket needs to be full again: after that its state can be forgotten. */
export function refillMs(policy: BucketPolicy): number {
  return policy.restoreRatePerSecond > 0 ? Math.ceil((policy.maximumAvailable * 1000) / policy.restoreRatePerSecond) : 24 * 3600 * 1000;
}
