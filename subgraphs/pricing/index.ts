import type { SubgraphDefinition } from '../shared/server.ts';
import { createPricingLoaders, type PricingLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';

export const pricingSubgraph: SubgraphDefinition<PricingLoaders> = {
  name: 'pricing',
  schemaUrl: new URL('./schema.graphql', import.meta.url),
  resolvers,
  createLoaders: createPricingLoaders,
};
