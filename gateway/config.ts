import { z } from 'zod';
import {
  ConfigError,
  intOrString,
  mergeConfig,
  parseFlags,
  readJsonConfigFile,
  readPrefixedEnv,
  setPath,
  validateConfig,
} from '../common/config.ts';
import type { IgnoredEnv } from '../common/foreign-env.ts';
import { LOG_LEVELS } from '../common/logger.ts';
import { DEV_IDENTITY_SECRET, DEV_JWT_AUDIENCE, DEV_JWT_ISSUER, DEV_JWT_SECRET, secretSchema } from '../common/secrets.ts';
import { PROFILE_NAMES, PROFILES, type ProfileName } from './profiles.ts';
import { batchingConfigSchema } from './admission/batching-config.ts';
import { costConfigSchema, withProfileMaxCost, type CostConfig } from './admission/cost/config.ts';
import { limitPolicySchema } from './admission/limits/config.ts';
import { persistedQueriesConfigSchema } from './admission/persisted-queries/config.ts';
import { restBreakerConfigSchema } from '../common/upstream/breaker.ts';
import { degradationConfigSchema } from './degradation/config.ts';
import { fetchMergingConfigSchema } from './subgraphs/fetch-merge/config.ts';
import { entityCacheConfigSchema } from './cache/config.ts';

const authSchema = z
  .object({
    /** HS256 secret for client tokens (development). Default: the dev secret, refused in production. Exclusive with jwksUrl. */
    jwtSecret: secretSchema.optional(),
    /** JWKS endpoint of your identity provider (RS256/ES256/EdDSA tokens). Exclusive with jwtSecret. */
    jwksUrl: z.url({ message: 'expected an http(s) URL' }).optional(),
    /** Required `iss` claim. Default https://auth.storefront.local/. */
    issuer: z.string().min(1).default(DEV_JWT_ISSUER),
    /** Required `aud` claim. Default "storefront". */
    audience: z.string().min(1).default(DEV_JWT_AUDIENCE),
  })
  .strict()
  .refine((a) => !(a.jwtSecret && a.jwksUrl), { message: 'set jwtSecret or jwksUrl, not both' });

/** The one gateway configuration. Every option documents its default. */
export const gatewayConfigSchema = z
  .object({
    /** Client profile this process serves (web | mobile). Default web. */
    profile: z.enum(PROFILE_NAMES).default('web'),
    /** Interface to bind. Default 127.0.0.1. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port; 0 picks a free one. Default: the profile's (web 4000, mobile 4010). */
    port: z.number().int().min(0).max(65535).optional(),
    /** Supergraph SDL file to serve. Default schema/supergraph.graphql. */
    supergraphPath: z.string().min(1).default('schema/supergraph.graphql'),
    /** Reload the supergraph when the file changes. Default true. */
    watchSupergraph: z.boolean().default(true),
    /** Per-subgraph routing URL overrides, e.g. { "catalog": "http://10.0.0.5:8080/graphql" }. Default {}. */
    subgraphUrls: z.record(z.string(), z.url({ message: 'expected an http(s) URL' })).default({}),
    /** Deadline for one subgraph fetch, in ms; sent to the subgraph as x-storefront-deadline-ms (or what is left of requestTimeoutMs, if less). Default 10000. */
    subgraphTimeoutMs: z.number().int().min(1).max(300_000).default(10_000),
    /** How often each subgraph is probed for readiness (`{ __typename }`), in ms; 0 = off. Default 5000. */
    healthCheckIntervalMs: z.number().int().min(0).max(3_600_000).default(5000),
    /** Per-subgraph fetch deadlines overriding subgraphTimeoutMs, e.g. { "pricing": 800 }. Default {}. */
    subgraphTimeoutsMs: z.record(z.string(), z.number().int().min(1).max(300_000)).default({}),
    /** Overall deadline of one client request; fetches still running then are abandoned (GATEWAY_TIMEOUT). Default 15000. */
    requestTimeoutMs: z.number().int().min(1).max(600_000).default(15_000),
    /**
     * Circuit breaker per subgraph: the same settings as the subgraphs' REST
     * breakers (failureThresholdPercent 50, volumeThreshold 10, windowMs 10000, cooldownMs 5000).
     */
    subgraphBreaker: restBreakerConfigSchema.prefault({}),
    /** One HTTP request for concurrent fetches of one request to the same subgraph (docs/subgraph-fetches.md). */
    subgraphFetchMerging: fetchMergingConfigSchema.prefault({}),
    /** Keep-alive connections per subgraph origin. Default 64. */
    subgraphConnections: z.number().int().min(1).max(4096).default(64),
    /** Client token verification. */
    auth: authSchema.default({ issuer: DEV_JWT_ISSUER, audience: DEV_JWT_AUDIENCE }),
    /** Secret shared with the subgraphs to sign identity assertions (≥ 32 chars). Default: the dev secret, refused in production. */
    identitySecret: secretSchema.default(DEV_IDENTITY_SECRET),
    /** Largest request body, in bytes (413 PAYLOAD_TOO_LARGE beyond). Default 1 MiB. */
    maxBodyBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
    /** Put REST call counts per upstream endpoint in `extensions.restCalls` (development aid). Default false. */
    exposeRestCalls: z.boolean().default(false),
    /** Schema introspection. Default: the profile's (web on, mobile off). */
    introspection: z.boolean().optional(),
    /**
     * GraphiQL, served by the gateway itself (no CDN), to a browser opening
     * GET /graphql (docs/ide.md). Default: the profile's (web on, mobile off);
     * off with NODE_ENV=production, where turning it on is refused.
     */
    ide: z.boolean().optional(),
    /** How long shutdown waits for in-flight requests before closing sockets, in ms. Default 10000. */
    shutdownGraceMs: z.number().int().min(0).max(120_000).default(10_000),
    /**
     * On SIGTERM, how long the gateway keeps serving with readiness already
     * answering 503, so load balancers and Kubernetes endpoints take it out of
     * rotation before it stops accepting, in ms. Default 0 (stop accepting at once).
     */
    shutdownDelayMs: z.number().int().min(0).max(120_000).default(0),
    /**
     * V8's heap growing factor, in percent over the live heap, applied at start
     * (gateway/heap.ts, docs/memory.md): the old generation may grow to
     * (1 + p/100) × what survived the last full collection, plus the young
     * generation, before the next one. Lower holds less memory and collects
     * more often. 0 leaves it to V8 (up to 300 % on a machine with a few GB).
     * Default 50.
     */
    heapGrowingPercent: z.number().int().min(0).max(300).default(50),
    /** pino level. Default info. */
    logLevel: z.enum(LOG_LEVELS).default('info'),
    /** OTLP/HTTP endpoint spans are exported to, e.g. http://collector:4318/v1/traces. Default: none (spans not recorded; `traceparent` is still propagated). */
    otlpEndpoint: z.url({ message: 'expected an http(s) URL' }).optional(),
    /** Operation limits (docs/limits.md); each key overrides the profile default. */
    limits: limitPolicySchema.prefault({}),
    /** Persisted queries (docs/persisted-queries.md): mode, manifests, APQ store. */
    persistedQueries: persistedQueriesConfigSchema.prefault({}),
    /** Per-operation maximum cost and per-client budgets (docs/cost.md). */
    cost: costConfigSchema.prefault({}),
    /** Batched (JSON array) requests. */
    batching: batchingConfigSchema.prefault({}),
    /** Optional fields, their fallbacks and time budgets (docs/degradation.md). */
    degradation: degradationConfigSchema.prefault({}),
    /** Entity and root-field cache driven by the subgraphs' Cache-Control (docs/caching.md). */
    entityCache: entityCacheConfigSchema.prefault({}),
  })
  .strict();

type RawGatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfig = Omit<RawGatewayConfig, 'port' | 'introspection' | 'ide' | 'auth' | 'cost'> & {
  readonly port: number;
  readonly cost: CostConfig;
  readonly introspection: boolean;
  readonly ide: boolean;
  readonly auth: RawGatewayConfig['auth'] & { readonly jwtSecret?: string };
};

const SUBGRAPH_URL_ENV = /^GATEWAY_SUBGRAPH_URL_([A-Z0-9_]+)$/;

const ENV: Record<string, string> = {
  GATEWAY_PROFILE: 'profile',
  GATEWAY_HOST: 'host',
  GATEWAY_PORT: 'port',
  GATEWAY_SUPERGRAPH: 'supergraphPath',
  GATEWAY_WATCH_SUPERGRAPH: 'watchSupergraph',
  GATEWAY_SUBGRAPH_TIMEOUT_MS: 'subgraphTimeoutMs',
  GATEWAY_SUBGRAPH_CONNECTIONS: 'subgraphConnections',
  GATEWAY_SUBGRAPH_FETCH_MERGING: 'subgraphFetchMerging.enabled',
  GATEWAY_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  GATEWAY_JWT_SECRET: 'auth.jwtSecret',
  GATEWAY_JWKS_URL: 'auth.jwksUrl',
  GATEWAY_JWT_ISSUER: 'auth.issuer',
  GATEWAY_JWT_AUDIENCE: 'auth.audience',
  GATEWAY_IDENTITY_SECRET: 'identitySecret',
  GATEWAY_MAX_BODY_BYTES: 'maxBodyBytes',
  GATEWAY_EXPOSE_REST_CALLS: 'exposeRestCalls',
  GATEWAY_INTROSPECTION: 'introspection',
  GATEWAY_IDE: 'ide',
  GATEWAY_SHUTDOWN_GRACE_MS: 'shutdownGraceMs',
  GATEWAY_SHUTDOWN_DELAY_MS: 'shutdownDelayMs',
  GATEWAY_HEAP_GROWING_PERCENT: 'heapGrowingPercent',
  GATEWAY_LOG_LEVEL: 'logLevel',
  GATEWAY_OTLP_ENDPOINT: 'otlpEndpoint',
  GATEWAY_PERSISTED_QUERIES_MODE: 'persistedQueries.mode',
  GATEWAY_APQ_REDIS_URL: 'persistedQueries.apq.redisUrl',
  GATEWAY_BUDGET_REDIS_URL: 'cost.budget.redisUrl',
  GATEWAY_MAX_COST: 'cost.maxCost',
  GATEWAY_ENTITY_CACHE: 'entityCache.enabled',
  GATEWAY_ENTITY_CACHE_REDIS_URL: 'entityCache.redisUrl',
  GATEWAY_CACHE_INVALIDATION_SECRET: 'entityCache.invalidation.secret',
};
/** Every GATEWAY_* name the gateway reads (manifests are checked against it). */
export const GATEWAY_ENV_NAMES: readonly string[] = [...Object.keys(ENV), 'GATEWAY_CONFIG'];
/** True if `name` is a variable the gateway reads: a known name or GATEWAY_SUBGRAPH_URL_<NAME>. */
export function isGatewayEnvName(name: string): boolean {
  return GATEWAY_ENV_NAMES.includes(name) || SUBGRAPH_URL_ENV.test(name);
}
const BOOLEAN_KEYS = new Set(['watchSupergraph', 'exposeRestCalls', 'introspection', 'ide', 'subgraphFetchMerging.enabled', 'entityCache.enabled']);

function envValue(key: string, value: string): unknown {
  if (BOOLEAN_KEYS.has(key)) return value === 'true' ? true : value === 'false' ? false : value;
  return intOrString(value);
}

/**
 * Loads the gateway config: defaults < profile < --config JSON file <
 * GATEWAY_* environment < flags. The only place the gateway reads process.env.
 */
export function loadGatewayConfig(argv: string[], env: NodeJS.ProcessEnv, onIgnoredEnv?: (ignored: readonly IgnoredEnv[]) => void): Readonly<GatewayConfig> {
  const flags = parseFlags(argv, {
    config: { type: 'string' },
    profile: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    supergraph: { type: 'string' },
    'subgraph-url': { type: 'string', multiple: true },
    'expose-rest-calls': { type: 'boolean' },
    ide: { type: 'boolean' },
    'no-ide': { type: 'boolean' },
    'log-level': { type: 'string' },
    'persisted-queries': { type: 'string' },
    'redis-url': { type: 'string' },
  });
  const fromEnv = readPrefixedEnv(
    env,
    'GATEWAY_',
    { ...Object.fromEntries(Object.entries(ENV).map(([name, key]) => [name, (t: Record<string, unknown>, v: string) => setPath(t, key, envValue(key, v))])), GATEWAY_CONFIG: () => {} },
    {
      dynamic: (name, value, target) => {
        const match = SUBGRAPH_URL_ENV.exec(name);
        if (!match) return false;
        setPath(target, `subgraphUrls.${match[1]!.toLowerCase()}`, value);
        return true;
      },
      dynamicNames: ['GATEWAY_SUBGRAPH_URL_<NAME>'],
      ...(onIgnoredEnv ? { onIgnored: onIgnoredEnv } : {}),
    },
  );
  const configPath = flags.config ?? env['GATEWAY_CONFIG'];
  const fromFile = configPath ? readJsonConfigFile(configPath) : {};
  if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
    throw new ConfigError('file', [`${configPath}: expected a JSON object`]);
  }
  const fromFlags: Record<string, unknown> = {};
  if (flags.profile !== undefined) fromFlags['profile'] = flags.profile;
  if (flags.host !== undefined) fromFlags['host'] = flags.host;
  if (flags.port !== undefined) fromFlags['port'] = intOrString(flags.port);
  if (flags.supergraph !== undefined) fromFlags['supergraphPath'] = flags.supergraph;
  if (flags['expose-rest-calls'] !== undefined) fromFlags['exposeRestCalls'] = flags['expose-rest-calls'];
  if (flags.ide !== undefined) fromFlags['ide'] = flags.ide;
  if (flags['no-ide'] !== undefined) fromFlags['ide'] = !flags['no-ide'];
  if (flags['log-level'] !== undefined) fromFlags['logLevel'] = flags['log-level'];
  if (flags['persisted-queries'] !== undefined) setPath(fromFlags, 'persistedQueries.mode', flags['persisted-queries']);
  if (flags['redis-url'] !== undefined) {
    // One flag for the common case: APQ, budgets and the entity cache shared through the same Redis.
    setPath(fromFlags, 'persistedQueries.apq.redisUrl', flags['redis-url']);
    setPath(fromFlags, 'cost.budget.redisUrl', flags['redis-url']);
    setPath(fromFlags, 'entityCache.redisUrl', flags['redis-url']);
  }
  const flagProblems: string[] = [];
  if (flags.ide !== undefined && flags['no-ide'] !== undefined) flagProblems.push('--ide and --no-ide: expected one of them, received both');
  for (const pair of flags['subgraph-url'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) flagProblems.push(`--subgraph-url: expected name=url, received ${JSON.stringify(pair)}`);
    else setPath(fromFlags, `subgraphUrls.${pair.slice(0, eq)}`, pair.slice(eq + 1));
  }
  if (flagProblems.length > 0) throw new ConfigError('command-line', flagProblems);
  return parseGatewayConfig(mergeConfig(fromFile as Record<string, unknown>, fromEnv, fromFlags), env['NODE_ENV']);
}

/** Validates a plain config object (tests build one directly) and fills profile defaults. */
export function parseGatewayConfig(input: unknown, nodeEnv?: string): Readonly<GatewayConfig> {
  const production = nodeEnv === 'production';
  const schema = gatewayConfigSchema.superRefine((c, ctx) => {
    if (!production) return;
    if (c.identitySecret === DEV_IDENTITY_SECRET) ctx.addIssue({ code: 'custom', path: ['identitySecret'], message: 'the development secret is refused when NODE_ENV=production', input: '[dev secret]' });
    if (!c.auth.jwksUrl && (c.auth.jwtSecret === undefined || c.auth.jwtSecret === DEV_JWT_SECRET)) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'set auth.jwksUrl or a non-development auth.jwtSecret when NODE_ENV=production', input: undefined });
    }
    // The IDE is a development tool (it lists the persisted operations and may
    // mint development tokens): a production process never serves it.
    if (c.ide === true) ctx.addIssue({ code: 'custom', path: ['ide'], message: 'the IDE is a development tool and is refused when NODE_ENV=production', input: true });
  });
  const raw = validateConfig(schema, input, 'gateway');
  const profile = PROFILES[raw.profile as ProfileName];
  return Object.freeze({
    ...raw,
    port: raw.port ?? profile.port,
    // Introspection is a development aid: off in production unless asked for.
    introspection: raw.introspection ?? (production ? false : profile.introspection),
    ide: raw.ide ?? (production ? false : profile.ide),
    cost: withProfileMaxCost(raw.cost, profile.maxCost),
    auth: Object.freeze({ ...raw.auth, ...(raw.auth.jwksUrl ? {} : { jwtSecret: raw.auth.jwtSecret ?? DEV_JWT_SECRET }) }),
  });
}
