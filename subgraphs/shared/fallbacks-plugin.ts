import type { ApolloServerPlugin } from '@apollo/server';
import { FALLBACKS_EXTENSION } from '../../common/upstream/wire.ts';
import type { SubgraphContext } from './context.ts';

/**
 * Reports the fallbacks used for this request in `extensions.fallbacks`; the
 * gateway gathers them from every fetch into its completeness signal.
 */
export function fallbacksPlugin<L>(): ApolloServerPlugin<SubgraphContext<L>> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || contextValue.fallbacks.length === 0) return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, [FALLBACKS_EXTENSION]: contextValue.fallbacks };
        },
      };
    },
  };
}
