import type { ApolloServerPlugin } from '@apollo/server';
import { singleResultPlugin } from '../../common/single-result-plugin.ts';
import { FALLBACKS_EXTENSION } from '../../common/upstream/wire.ts';
import type { SubgraphContext } from './context.ts';

/**
 * Reports the fallbacks used for this request in `extensions.fallbacks`; the
 * gateway gathers them from every fetch into its completeness signal.
 */
export function fallbacksPlugin<L>(): ApolloServerPlugin<SubgraphContext<L>> {
  return singleResultPlugin<SubgraphContext<L>>((result, context, http) => {
    if (context.fallbacks.length === 0) return;
    result.extensions = { ...result.extensions, [FALLBACKS_EXTENSION]: context.fallbacks };
    // A stand-in answer must not be cached in place of the real one (by the
    // gateway's entity cache or a CDN): Apollo's cache-control plugin, which
    // runs after this one, keeps an existing no-store.
    http.headers.set('cache-control', 'no-store');
  });
}
