import type { SubgraphContext } from '../shared/context.ts';
import type { PromotionLoaders, RestPromotion } from './loaders.ts';

type Context = SubgraphContext<PromotionLoaders>;

export const resolvers = {
  Query: {
    featuredPromotions: async (_: unknown, __: unknown, context: Context) => {
      const { items } = await context.rest<{ items: RestPromotion[] }>({ method: 'GET', path: '/promotions/featured', route: '/promotions/featured', resource: 'Featured promotions' });
      return items;
    },
  },
  Product: {
    __resolveReference: (ref: { id: string }) => ref,
    promotions: async (product: { id: string }, _: unknown, context: Context) => (await context.loaders.byProduct.load(product.id)).promotions,
  },
  Promotion: {
    product: (promotion: RestPromotion) => ({ id: promotion.productId }),
  },
};
