import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.ts';

/**
 * Development aid: puts the REST calls every subgraph made for this request in
 * `extensions.restCalls` ({ "catalog GET /products": 1, ... }), so N+1
 * regressions show up in a response, a log line and a test.
 */
export function restCallsExtensionPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, restCalls: { ...contextValue.restCalls } };
        },
      };
    },
  };
}
