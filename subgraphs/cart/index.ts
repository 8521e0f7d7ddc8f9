import type { SubgraphDefinition } from '../shared/server.ts';
import { createCartLoaders, type CartLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';

export const cartSubgraph: SubgraphDefinition<CartLoaders> = {
  name: 'cart',
  schemaUrl: new URL('./schema.graphql', import.meta.url),
  resolvers,
  createLoaders: createCartLoaders,
};
