import { z } from 'zod';
import { intOrString, mergeConfig, parseFlags, readPrefixedEnv, setPath, validateConfig } from '../../common/config.ts';
import type { IgnoredEnv } from '../../common/foreign-env.ts';
import { LOG_LEVELS } from '../../common/logger.ts';
import { DEV_IDENTITY_SECRET, secretSchema } from '../../common/secrets.ts';
import { restBreakerConfigSchema } from '../../common/upstream/breaker.ts';

/**
 * Retries of idempotent reads (GET only; POST/PATCH/DELETE never) on timeouts,
 * connection failures and 502/503/504, with full-jitter exponential backoff.
 * The budget caps retries at `budgetPercent` of the first attempts of the last
 * window, plus `minRetriesPerSecond` so a quiet upstream can still retry: with
 * the defaults, 1,000 calls in 10 s may add at most 100 + 10 retries, so an
 * outage cannot double the load. No retry starts when the request's deadline
 * leaves less than `minAttemptMs` after the backoff.
 */
export const restRetryConfigSchema = z
  .object({
    /** Attempts per GET including the first; 1 turns retries off. Default 2 (one retry). */
    maxAttempts: z.number().int().min(1).max(5).default(2),
    /** Backoff before retry n is random in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))], in ms. Default 25. */
    baseDelayMs: z.number().int().min(0).max(10_000).default(25),
    /** Cap of one backoff delay, in ms. Default 250. */
    maxDelayMs: z.number().int().min(0).max(60_000).default(250),
    /** Retries may add at most this share to the first attempts of the last window. Default 10. */
    budgetPercent: z.number().min(0).max(100).default(10),
    /** Retries always allowed per second on top of the percentage (0: none). Default 1. */
    minRetriesPerSecond: z.number().min(0).max(1000).default(1),
    /** A retry starts only if at least this much of the request's deadline is left after its backoff, in ms. Default 100. */
    minAttemptMs: z.number().int().min(0).max(60_000).default(100),
  })
  .strict()
  .refine((r) => r.maxDelayMs >= r.baseDelayMs, { path: ['maxDelayMs'], message: 'expected at least baseDelayMs' });

export type RestRetryConfig = z.output<typeof restRetryConfigSchema>;
export const DEFAULT_REST_RETRY: Readonly<RestRetryConfig> = Object.freeze(restRetryConfigSchema.parse({}));

export const SUBGRAPH_NAMES = ['user', 'catalog', 'cart', 'pricing', 'promotions'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/**
 * Configuration of one subgraph process. Defaults in comments; every field can
 * be set by flag (`--port`) or environment (`SUBGRAPH_PORT`); flags win.
 */
export const subgraphConfigSchema = z
  .object({
    /** Which subgraph this process serves. Required. */
    subgraph: z.enum(SUBGRAPH_NAMES),
    /** Interface to bind. Default 127.0.0.1. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port to listen on; 0 picks a free one. Default 0. */
    port: z.number().int().min(0).max(65535).default(0),
    /** Base URL of the REST service this subgraph wraps. Required. */
    restUrl: z.url({ message: 'expected an http(s) URL' }),
    /**
     * Deadline of one REST call attempt, in ms; never longer than what is left
     * of the request's deadline. Default 4000: a timed-out GET and its retry
     * (2 × 4000 + at most 250 backoff) fit in the gateway's default subgraph
     * timeout (10000).
     */
    restTimeoutMs: z.number().int().min(1).max(120_000).default(4000),
    /**
     * Longest one GraphQL request may keep calling the REST service, in ms. The
     * gateway's x-storefront-deadline-ms header shortens it per request, never
     * lengthens it. Default 10000 (the gateway's default subgraphTimeoutMs).
     */
    requestTimeoutMs: z.number().int().min(1).max(600_000).default(10_000),
    /** Keep-alive connections kept to the REST service. Default 32. */
    restConnections: z.number().int().min(1).max(1024).default(32),
    /** Circuit breaker per REST upstream (see restBreakerConfigSchema). JSON only, no SUBGRAPH_* variables. */
    restBreaker: restBreakerConfigSchema.prefault({}),
    /** Retries of REST GETs (see restRetryConfigSchema). JSON only, no SUBGRAPH_* variables. */
    restRetry: restRetryConfigSchema.prefault({}),
    /** Secret the gateway signs identity assertions with (≥ 32 chars). Default: the development secret, refused when NODE_ENV=production. */
    identitySecret: secretSchema.default(DEV_IDENTITY_SECRET),
    /** Largest request body accepted from the gateway. Default 1 MiB. */
    maxBodyBytes: z.number().int().min(1024).default(1024 * 1024),
    /** pino level. Default info. */
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** OTLP/HTTP endpoint spans are exported to, e.g. http://collector:4318/v1/traces. Default: none (spans not recorded; `traceparent` is still propagated). */
    otlpEndpoint: z.url({ message: 'expected an http(s) URL' }).optional(),
  })
  .strict();

export type SubgraphConfig = z.output<typeof subgraphConfigSchema>;

const ENV: Record<string, string> = {
  SUBGRAPH_NAME: 'subgraph',
  SUBGRAPH_HOST: 'host',
  SUBGRAPH_PORT: 'port',
  SUBGRAPH_REST_URL: 'restUrl',
  SUBGRAPH_REST_TIMEOUT_MS: 'restTimeoutMs',
  SUBGRAPH_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  SUBGRAPH_REST_CONNECTIONS: 'restConnections',
  SUBGRAPH_IDENTITY_SECRET: 'identitySecret',
  SUBGRAPH_MAX_BODY_BYTES: 'maxBodyBytes',
  SUBGRAPH_LOG_LEVEL: 'logLevel',
  SUBGRAPH_OTLP_ENDPOINT: 'otlpEndpoint',
};

/** Loads the one subgraph config from flags and environment: the only place a subgraph reads process.env. */
export function loadSubgraphConfig(argv: string[], env: NodeJS.ProcessEnv, onIgnoredEnv?: (ignored: readonly IgnoredEnv[]) => void): Readonly<SubgraphConfig> {
  const fromEnv = readPrefixedEnv(
    env,
    'SUBGRAPH_',
    Object.fromEntries(Object.entries(ENV).map(([name, key]) => [name, (t, v) => setPath(t, key, intOrString(v))])),
    onIgnoredEnv ? { onIgnored: onIgnoredEnv } : {},
  );
  const flags = parseFlags(argv, {
    subgraph: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'rest-url': { type: 'string' },
    'rest-timeout-ms': { type: 'string' },
    'log-level': { type: 'string' },
  });
  const fromFlags: Record<string, unknown> = {};
  if (flags.subgraph !== undefined) fromFlags['subgraph'] = flags.subgraph;
  if (flags.host !== undefined) fromFlags['host'] = flags.host;
  if (flags.port !== undefined) fromFlags['port'] = intOrString(flags.port);
  if (flags['rest-url'] !== undefined) fromFlags['restUrl'] = flags['rest-url'];
  if (flags['rest-timeout-ms'] !== undefined) fromFlags['restTimeoutMs'] = intOrString(flags['rest-timeout-ms']);
  if (flags['log-level'] !== undefined) fromFlags['logLevel'] = flags['log-level'];
  return parseSubgraphConfig(mergeConfig(fromEnv, fromFlags), env['NODE_ENV']);
}

export function parseSubgraphConfig(input: unknown, nodeEnv?: string): Readonly<SubgraphConfig> {
  const schema = nodeEnv === 'production'
    ? subgraphConfigSchema.refine((c) => c.identitySecret !== DEV_IDENTITY_SECRET, { path: ['identitySecret'], message: 'the development secret is refused when NODE_ENV=production' })
    : subgraphConfigSchema;
  return validateConfig(schema, input, 'subgraph');
}
