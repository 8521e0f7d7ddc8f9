import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.ts';
import type { GatewayMetrics } from '../metrics.ts';

/**
 * Request count, latency and errors per operation. The operation label is the
 * manifest's name for persisted operations and "unlisted" otherwise: names a
 * client makes up would give Prometheus unbounded series.
 */
export function requestMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const stop = metrics.requestDuration.startTimer();
      return {
        async willSendResponse({ response }) {
          const operation = contextValue.admission?.operation ?? 'unlisted';
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = new Set((body?.errors ?? []).map((e) => String(e.extensions?.['code'] ?? 'UNKNOWN')));
          const outcome = codes.size === 0 ? 'ok' : body?.data ? 'partial' : 'error';
          stop({ operation, outcome });
          metrics.requests.inc({ operation, outcome });
          for (const code of codes) metrics.errors.inc({ code });
        },
      };
    },
  };
}
