import type { SubgraphDefinition } from '../shared/server.ts';
import { createPromotionLoaders, type PromotionLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';

export const promotionsSubgraph: SubgraphDefinition<PromotionLoaders> = {
  name: 'promotions',
  schemaUrl: new URL('./schema.graphql', import.meta.url),
  resolvers,
  createLoaders: createPromotionLoaders,
};
