import type { ApolloServerPlugin, BaseContext, HTTPGraphQLHead } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';

/**
 * An Apollo Server plugin that sees each single (not incremental) result just
 * before it is sent, with the request's context and HTTP head: where the
 * gateway and the subgraphs add their response extensions and headers.
 */
export function singleResultPlugin<C extends BaseContext>(
  onResult: (result: FormattedExecutionResult, context: C, http: HTTPGraphQLHead) => void,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind === 'single') onResult(response.body.singleResult, contextValue, response.http);
        },
      };
    },
  };
}
