import { ApolloGateway } from '@apollo/gateway';

/**
 * Apollo Gateway with our own query-plan executor in place of Apollo's
 * `executeQueryPlan` (work in progress: for now it is Apollo's executor, so
 * the differential suite in test/unit/execution-differential.test.ts can be
 * built against this class first).
 */
export class StorefrontGateway extends ApolloGateway {}
