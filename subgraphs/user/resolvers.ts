import { ErrorCode, storefrontError } from '../../common/errors.ts';
import { requireUser, type SubgraphContext } from '../shared/context.ts';
import type { UserLoaders } from './loaders.ts';

type Context = SubgraphContext<UserLoaders>;

/**
 * A storefront shopper may only ever see their own account: the gateway plans
 * User references only from `me` or from the signed-in user's cart, and this
 * check makes sure nothing else (a new subgraph, a crafted `_entities` call)
 * can read another user's personal data.
 */
function ownUserId(id: string, context: Context): string {
  const userId = requireUser(context);
  if (id !== userId) throw storefrontError(ErrorCode.FORBIDDEN, 'You can only read your own account');
  return userId;
}

export const resolvers = {
  Query: {
    me: (_: unknown, __: unknown, context: Context) => context.loaders.users.load(requireUser(context)),
  },
  User: {
    __resolveReference: (ref: { id: string }, context: Context) => context.loaders.users.load(ownUserId(ref.id, context)),
  },
};
