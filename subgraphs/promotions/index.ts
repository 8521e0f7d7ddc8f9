import type { SubgraphDefinition } from '../shared/server.ts';
import { createPromotionLoaders, type PromotionLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { subgraphFallbacks } from '../../schema/criticality.ts';

export const promotionsSubgraph: SubgraphDefinition<PromotionLoaders> = {
  name: 'promotions',
  schemaUrl: new URL('./schema.graphql', import.meta.url),
  resolvers,
  createLoaders: createPromotionLoaders,
  // Promotions are a nice-to-have on every screen: a failing promotions
  // service must not take the product (or the page) with it.
  fallbacks: subgraphFallbacks(['Product.promotions', 'Query.featuredPromotions']),
};
