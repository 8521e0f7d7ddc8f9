import CircuitBreaker from 'opossum';
import { z } from 'zod';
import type { GraphQLError } from 'graphql';
import { ErrorCode, storefrontError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * Circuit breaker in front of an upstream: a REST service (one per subgraph
 * process, since one subgraph wraps one upstream) or, in the gateway, a
 * subgraph. A failure is a timeout, a refused or reset connection, a 5xx or
 * an unreadable body; 404 and other 4xx are answers, not outages. Example
 * with the defaults: 12 calls in the last 10 s of which 7 failed (58% > 50%)
 * opens it; for 5 s every call then fails fast with UPSTREAM_CIRCUIT_OPEN
 * without touching the network; then one probe call goes through: success
 * closes it, failure opens it again.
 */
export const restBreakerConfigSchema = z
  .object({
    /** false: every call goes to the network, whatever the failure rate. Default true. */
    enabled: z.boolean().default(true),
    /** Opens when more than this share of the calls in the window failed. Default 50. */
    failureThresholdPercent: z.number().min(1).max(99).default(50),
    /** Fewest calls in the window before it may open (a quiet upstream with 1 failure in 1 call stays closed). Default 10. */
    volumeThreshold: z.number().int().min(1).max(100_000).default(10),
    /** Rolling window the failure rate is measured over, in ms (10 buckets). Also the retry budget's window. Default 10000. */
    windowMs: z.number().int().min(100).max(600_000).default(10_000),
    /** How long it stays open before letting one probe call through, in ms. Default 5000. */
    cooldownMs: z.number().int().min(10).max(600_000).default(5000),
  })
  .strict();

export type RestBreakerConfig = z.output<typeof restBreakerConfigSchema>;
export const DEFAULT_REST_BREAKER: Readonly<RestBreakerConfig> = Object.freeze(restBreakerConfigSchema.parse({}));

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One circuit breaker per REST upstream, on opossum (a well-kept library with the
 * closed → open → half-open → closed cycle we need): it measures the failure
 * rate over a rolling window, fails fast while open, and after the cooldown lets
 * exactly one probe through (further calls keep failing fast until the probe
 * settles); the probe's success closes it, its failure re-opens it.
 *
 * `isFailure` decides what an outage is: errors it rejects (a 404, a 400) count
 * as successes, so a missing product never opens the breaker and a 404 probe
 * closes it (the upstream answered).
 *
 * Hazard: opossum does not clear its window on close, so failures from before
 * the outage still count for up to `windowMs` after a successful probe; a new
 * failure in that time can re-open it at once. The calls rejected while open
 * also count in the window (as calls, not failures), which dilutes that effect.
 */
export class UpstreamBreaker {
  readonly #breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  readonly #service: string;
  readonly #cooldownMs: number;

  constructor(service: string, config: Readonly<RestBreakerConfig>, isFailure: (error: unknown) => boolean, logger: Logger) {
    this.#service = service;
    this.#cooldownMs = config.cooldownMs;
    this.#breaker = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
      enabled: config.enabled,
      // The REST client enforces its own deadline (and aborts the socket); an
      // opossum timeout would only give up on a call that keeps running.
      timeout: false,
      errorThresholdPercentage: config.failureThresholdPercent,
      volumeThreshold: config.volumeThreshold,
      rollingCountTimeout: config.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: config.cooldownMs,
      rollingPercentilesEnabled: false,
      errorFilter: (error: unknown) => !isFailure(error),
    });
    const { windowMs, cooldownMs } = config;
    this.#breaker.on('open', () => {
      const { fires, failures } = this.#breaker.stats;
      logger.warn({ upstream: service, state: 'open', failures, calls: fires, windowMs, cooldownMs }, 'circuit breaker opened: calls fail fast');
    });
    this.#breaker.on('halfOpen', () => logger.info({ upstream: service, state: 'half-open' }, 'circuit breaker half-open: one probe call may go through'));
    this.#breaker.on('close', () => logger.info({ upstream: service, state: 'closed' }, 'circuit breaker closed: upstream recovered'));
  }

  /** Runs one network attempt through the breaker; rejects with CircuitOpenError, without calling `attempt`, while open. */
  async run<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return (await this.#breaker.fire(attempt)) as T;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'EOPENBREAKER') throw new CircuitOpenError(this.#service, this.#cooldownMs);
      throw error;
    }
  }

  get state(): BreakerState {
    if (this.#breaker.opened) return 'open';
    if (this.#breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  /** Stops the window's timers. */
  shutdown(): void {
    this.#breaker.shutdown();
  }
}

/** A call refused by an open breaker: it never reached the network. */
export class CircuitOpenError extends Error {
  readonly service: string;
  readonly cooldownMs: number;
  constructor(service: string, cooldownMs: number) {
    super(`circuit breaker for ${service} is open`);
    this.service = service;
    this.cooldownMs = cooldownMs;
  }

  toGraphQLError(): GraphQLError {
    return storefrontError(ErrorCode.UPSTREAM_CIRCUIT_OPEN, `${this.service} service is failing; calls to it are paused for up to ${this.cooldownMs} ms`, {
      details: { service: this.service },
    });
  }
}
