import { faultsGraph } from './faults.ts';
import { mediaGraph } from './media-cases.ts';
import { operationsGraph } from './operation-cases.ts';
import { shopGraph } from './shop-cases.ts';
import type { CorpusGraph } from './types.ts';

export { describeCorpus, describeGraph, apolloGateway, type GatewayFactory } from './differential.ts';
export { SHAPES, type CorpusGraph, type Shape } from './types.ts';

/** Every graph of the corpus, in the order the suite runs them. */
export const CORPUS: readonly CorpusGraph[] = [shopGraph, operationsGraph, mediaGraph, faultsGraph];
