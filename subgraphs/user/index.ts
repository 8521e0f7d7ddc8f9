import type { SubgraphDefinition } from '../shared/server.ts';
import { createUserLoaders, type UserLoaders } from './loaders.ts';
import { resolvers } from './resolvers.ts';

export const userSubgraph: SubgraphDefinition<UserLoaders> = {
  name: 'user',
  schemaUrl: new URL('./schema.graphql', import.meta.url),
  resolvers,
  createLoaders: createUserLoaders,
};
