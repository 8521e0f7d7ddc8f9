import type { ApolloServerPlugin } from '@apollo/server';
import { singleResultPlugin } from '../../common/single-result-plugin.ts';
import { REST_CALLS_EXTENSION } from '../../common/upstream/wire.ts';
import type { GatewayContext } from '../context.ts';

/**
 * Development aid: puts the REST calls every subgraph made for this request in
 * `extensions.restCalls` ({ "catalog GET /products": 1, ... }), so N+1
 * regressions show up in a response, a log line and a test.
 */
export function restCallsExtensionPlugin(): ApolloServerPlugin<GatewayContext> {
  return singleResultPlugin<GatewayContext>((result, context) => {
    result.extensions = { ...result.extensions, [REST_CALLS_EXTENSION]: { ...context.restCalls } };
  });
}
