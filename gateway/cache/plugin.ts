import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.ts';
import { peekReport } from './report.ts';

/** Cloudflare's limit on a Cache-Tag header's length; others are similar or larger. */
const MAX_CACHE_TAG_BYTES = 16_000;

/**
 * After execution: `Cache-Tag` on a GET response that a CDN may cache (public
 * Cache-Control), listing the tags of the answers it was built from, so a CDN
 * purge can use the same tags as POST /cache/invalidate; and, in development,
 * `extensions.cache` with this request's hits and misses.
 */
export function entityCachePlugin(options: { exposeInExtensions: boolean }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ request }) {
      const isGet = request.http?.method === 'GET';
      return {
        async willSendResponse({ response, contextValue, overallCachePolicy }) {
          const report = peekReport(contextValue);
          if (!report) return;
          if (options.exposeInExtensions && response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, cache: { hits: report.hits, misses: report.misses, stale: report.stale, coalesced: report.coalesced, subgraphFetches: report.fetches } };
          }
          if (!isGet || report.tags.size === 0) return;
          // Runs before Apollo's cache-control plugin writes the header: the same decision, from the same policy.
          const policy = overallCachePolicy.policyIfCacheable();
          if (!policy || policy.scope !== 'PUBLIC' || response.body.kind !== 'single' || response.body.singleResult.errors) return;
          let header = [...report.tags].join(',');
          // Too many to list: the type tags alone still purge it (more than needed, never less).
          if (header.length > MAX_CACHE_TAG_BYTES) header = [...report.tags].filter((tag) => !tag.includes(':')).join(',');
          response.http.headers.set('cache-tag', header);
        },
      };
    },
  };
}
