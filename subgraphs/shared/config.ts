import { z } from 'zod';
import { intOrString, mergeConfig, parseFlags, readPrefixedEnv, setPath, validateConfig } from '../../common/config.ts';
import { LOG_LEVELS } from '../../common/logger.ts';
import { DEV_IDENTITY_SECRET, secretSchema } from '../../common/secrets.ts';

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
    /** Deadline for one REST call, in ms. Default 5000. */
    restTimeoutMs: z.number().int().min(1).max(120_000).default(5000),
    /** Keep-alive connections kept to the REST service. Default 32. */
    restConnections: z.number().int().min(1).max(1024).default(32),
    /** Secret the gateway signs identity assertions with (≥ 32 chars). Default: the development secret, refused when NODE_ENV=production. */
    identitySecret: secretSchema.default(DEV_IDENTITY_SECRET),
    /** Largest request body accepted from the gateway. Default 1 MiB. */
    maxBodyBytes: z.number().int().min(1024).default(1024 * 1024),
    /** pino level. Default info. */
    logLevel: z.enum(LOG_LEVELS).default('info'),
  })
  .strict();

export type SubgraphConfig = z.output<typeof subgraphConfigSchema>;

const ENV: Record<string, string> = {
  SUBGRAPH_NAME: 'subgraph',
  SUBGRAPH_HOST: 'host',
  SUBGRAPH_PORT: 'port',
  SUBGRAPH_REST_URL: 'restUrl',
  SUBGRAPH_REST_TIMEOUT_MS: 'restTimeoutMs',
  SUBGRAPH_REST_CONNECTIONS: 'restConnections',
  SUBGRAPH_IDENTITY_SECRET: 'identitySecret',
  SUBGRAPH_MAX_BODY_BYTES: 'maxBodyBytes',
  SUBGRAPH_LOG_LEVEL: 'logLevel',
};

/** Loads the one subgraph config from flags and environment: the only place a subgraph reads process.env. */
export function loadSubgraphConfig(argv: string[], env: NodeJS.ProcessEnv): Readonly<SubgraphConfig> {
  const fromEnv = readPrefixedEnv(
    env,
    'SUBGRAPH_',
    Object.fromEntries(Object.entries(ENV).map(([name, key]) => [name, (t, v) => setPath(t, key, intOrString(v))])),
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
