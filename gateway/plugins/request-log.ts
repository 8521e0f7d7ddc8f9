import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../common/logger.ts';
import type { GatewayContext } from '../context.ts';
import { cacheStatus, peekReport } from '../cache/report.ts';

/**
 * One structured line per request: profile, operation name, duration, outcome
 * and REST call total. Never the query text, variables or tokens.
 */
export function requestLogPlugin(logger: Logger, profile: string): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ response, operationName }) {
          const restCalls = Object.values(contextValue.restCalls).reduce((a, b) => a + b, 0);
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = [...new Set((body?.errors ?? []).map((e) => String(e.extensions?.['code'] ?? 'UNKNOWN')))];
          logger.info(
            {
              requestId: contextValue.requestId,
              profile,
              operationName: operationName ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              status: response.http.status ?? 200,
              outcome: codes.length > 0 ? (body?.data ? 'partial' : 'error') : 'ok',
              errorCodes: codes,
              operation: contextValue.admission?.operation ?? null,
              cost: contextValue.admission?.cost?.estimated ?? null,
              completed: response.http.headers.get('x-storefront-completed') !== 'false',
              restCalls,
              // hit | partial | miss | none: what the entity cache served (gateway/cache).
              cache: cacheStatus(peekReport(contextValue)),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
