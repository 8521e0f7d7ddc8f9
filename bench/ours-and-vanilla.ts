import type { Gateway } from './harness.ts';

/**
 * Our web gateway (a distinct user's token per request) and the vanilla
 * Apollo Gateway (that user's pre-signed identity assertion) on ports
 * port and port+1, over the given subgraphs.
 */
export function oursAndVanilla(o: { port: number; subgraphUrls: readonly string[]; body: string; tokens: readonly string[]; assertions: readonly string[]; oursArgs?: readonly string[] }): Record<'ours' | 'vanilla', Gateway> {
  return {
    ours: {
      script: 'gateway/main.ts',
      args: ['--profile', 'web', '--port', String(o.port), '--log-level', 'warn', ...(o.oursArgs ?? []), ...o.subgraphUrls.flatMap((a) => ['--subgraph-url', a])],
      health: `http://127.0.0.1:${o.port}/health?ready=true`,
      url: `http://127.0.0.1:${o.port}/graphql`,
      body: o.body,
      headersFor: (i) => ({ authorization: `Bearer ${o.tokens[i]}` }),
    },
    vanilla: {
      script: 'bench/vanilla-gateway.ts',
      args: ['schema/supergraph.graphql', String(o.port + 1), ...o.subgraphUrls],
      // The standalone server has no health route: a GET of `{ __typename }` (with the CSRF header) is one.
      health: `http://127.0.0.1:${o.port + 1}/?query=%7B__typename%7D`,
      healthHeaders: { 'apollo-require-preflight': 'true' },
      url: `http://127.0.0.1:${o.port + 1}/`,
      body: o.body,
      headersFor: (i) => ({ 'x-storefront-identity': o.assertions[i]! }),
    },
  };
}
