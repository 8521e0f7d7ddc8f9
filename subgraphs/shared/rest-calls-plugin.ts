import type { ApolloServerPlugin } from '@apollo/server';
import { singleResultPlugin } from '../../common/single-result-plugin.ts';
import { REST_CALLS_EXTENSION } from '../../common/upstream/wire.ts';
import type { SubgraphContext } from './context.ts';

/**
 * Puts the request's REST call counts in `extensions.restCalls` of the subgraph
 * response. The gateway sums them over every fetch of a client request; they
 * are internal bookkeeping, not client-facing (the gateway decides whether to expose them).
 */
export function restCallsPlugin<L>(): ApolloServerPlugin<SubgraphContext<L>> {
  return singleResultPlugin<SubgraphContext<L>>((result, context) => {
    result.extensions = { ...result.extensions, [REST_CALLS_EXTENSION]: context.recorder.snapshot() };
  });
}
