import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../../common/logger.ts';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { actualCost, ActualCostWalks } from './actual.ts';
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
  // Apollo Server keeps one parsed DocumentNode per document text (its document store), so this is per
  // document; a walk holds the schema it was made with, so a schema reload starts afresh.
  const walks = new WeakMap<DocumentNode, { readonly schema: GraphQLSchema; readonly memo: ActualCostWalks }>();
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
              let known = walks.get(document);
              if (known?.schema !== snapshot.apiSchema) walks.set(document, (known = { schema: snapshot.apiSchema, memo: new ActualCostWalks() }));
              const memo = known.memo;
              actual = actualCost(snapshot.apiSchema, snapshot.derived.directives, document, { operationName: request.operationName ?? null, variables: request.variables, defaultListSize: protections.cost.defaultListSize, onListSize: observeListSize }, result.data ?? null, memo);
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
