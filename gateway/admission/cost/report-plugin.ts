import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../../common/logger.ts';
import { actualCost } from './index.ts';
import type { Protections } from '../admit.ts';
import { throttleStatus } from '../outcome.ts';
import type { GatewayContext } from '../../context.ts';

/**
 * Finishes what admission started: computes the actual cost from the list
 * sizes really returned, gives the client back the difference to the estimate
 * it was charged, records each list's length per field (for `npm run
 * cost:suggest`), and reports both in Shopify's shape:
 * `extensions.cost { requestedQueryCost, actualQueryCost, throttleStatus }`.
 */
export function costReportPlugin(protections: Protections, logger: Logger): ApolloServerPlugin<GatewayContext> {
  const { listSize } = protections.metrics;
  const observeListSize = (field: string, size: number) => listSize.observe({ field }, size);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, document, request }) {
          const cost = contextValue.admission?.cost;
          const snapshot = protections.schema.current;
          if (!cost || response.body.kind !== 'single' || !snapshot) return;
          const result = response.body.singleResult;
          let actual = cost.estimated;
          if (document) {
            try {
              actual = actualCost(snapshot.apiSchema, snapshot.derived.directives, document, { operationName: request.operationName ?? null, variables: request.variables, defaultListSize: protections.cost.defaultListSize, onListSize: observeListSize }, result.data ?? null);
            } catch (error) {
              // Never fail a response over bookkeeping: charge the estimate.
              logger.error({ err: error, requestId: contextValue.requestId }, 'actual cost failed; keeping the estimate');
            }
          }
          protections.metrics.costActual.inc(actual);
          protections.metrics.costEstimated.inc(cost.estimated);
          let available = cost.currentlyAvailable;
          if (cost.charged && cost.policy) {
            available = await protections.budgets.refund(cost.clientKey, cost.estimated - actual, cost.policy);
          }
          result.extensions = {
            ...result.extensions,
            cost: {
              requestedQueryCost: cost.estimated,
              actualQueryCost: actual,
              ...(cost.policy && available !== null ? { throttleStatus: throttleStatus(cost.policy, available) } : {}),
            },
          };
        },
      };
    },
  };
}
