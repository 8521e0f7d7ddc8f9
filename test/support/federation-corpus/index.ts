import { faultsGraph } from './fault-cases.ts';
import { mediaGraph } from './media-cases.ts';
import { operationsGraph } from './operation-cases.ts';
import { shopGraph } from './shop-cases.ts';
import type { CorpusGraph } from './types.ts';

/**
 * The federation corpus: small graphs whose subgraphs listen on ephemeral
 * ports, and the cases to send through them. To hold any gateway to Apollo's
 * executor, in a test file of its own:
 *
 *   describeCorpus(CORPUS, (config) => new StorefrontGateway({ ...config, buildService: mine }));
 *
 * The factory gets the reference's config (the composed `supergraphSdl` and
 * an `experimental_didResolveQueryPlan` hook the reference reads its plan
 * from); whatever it adds is compared against plain `new ApolloGateway(config)`
 * with Apollo's own RemoteGraphQLDataSource. `describeGraph(shopGraph, ...)`
 * runs one graph.
 */
export { describeCorpus, describeGraph, apolloGateway, type GatewayFactory } from './differential.ts';
export { SHAPES, type CorpusGraph, type Shape } from './types.ts';
export { faultsGraph, mediaGraph, operationsGraph, shopGraph };

/** Every graph of the corpus, in the order the suite runs them. */
export const CORPUS: readonly CorpusGraph[] = [shopGraph, operationsGraph, mediaGraph, faultsGraph];
