import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { singleResultPlugin } from '../../common/single-result-plugin.ts';
import { isUpstreamFailure, kindOf } from '../../common/errors.ts';
import type { GatewayContext } from '../context.ts';

export const COMPLETED_HEADER = 'x-storefront-completed';

/** Codes that mean "a service failed", as opposed to "the client asked for something wrong". */
export function isServiceFailure(code: unknown): boolean {
  return isUpstreamFailure(code) || kindOf(code) === 'internal';
}

function serviceOf(error: GraphQLFormattedError): string | undefined {
  const service = error.extensions?.['service'] ?? error.extensions?.['serviceName'];
  return typeof service === 'string' ? service : undefined;
}

/**
 * Partial responses that say they are partial. When a subgraph or a REST
 * upstream failed, or a fallback stood in for optional data, the response keeps
 * everything that did resolve and says so explicitly:
 * `extensions.completed: false`, `extensions.failedServices`, `extensions.fallbacks`,
 * and the `x-storefront-completed: false` header (as KrakenD's
 * `X-KrakenD-Completed`), so a client or a CDN need not parse errors to know.
 * A complete response carries `x-storefront-completed: true`.
 */
export function completenessPlugin(): ApolloServerPlugin<GatewayContext> {
  return singleResultPlugin<GatewayContext>((result, context, http) => {
    // Requests refused before execution (no data at all) are not partial: they failed.
    if (!('data' in result) || result.data === undefined) return;
    const failed = new Set<string>();
    for (const error of result.errors ?? []) {
      if (isServiceFailure(error.extensions?.['code'])) failed.add(serviceOf(error) ?? 'unknown');
    }
    const fallbacks = context.fallbacks ?? [];
    for (const fallback of fallbacks) failed.add(fallback.service);
    const completed = failed.size === 0;
    http.headers.set(COMPLETED_HEADER, String(completed));
    if (completed) return;
    result.extensions = {
      ...result.extensions,
      completed: false,
      failedServices: [...failed].sort(),
      ...(fallbacks.length > 0 ? { fallbacks: [...new Set(fallbacks.map((f) => f.field))].sort() } : {}),
    };
  });
}
