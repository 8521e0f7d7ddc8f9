import type { SubgraphDefinition } from '../shared/server.ts';
import { createCatalogLoaders, type CatalogLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';
import { subgraphFallbacks } from '../../schema/criticality.ts';

export const catalogSubgraph: SubgraphDefinition<CatalogLoaders> = {
  name: 'catalog',
  schemaUrl: new URL('./schema.graphql', import.meta.url),
  resolvers,
  createLoaders: createCatalogLoaders,
  // Related products are a carousel; the product itself stays mandatory.
  fallbacks: subgraphFallbacks(['Product.relatedProducts']),
};
