import type { SubgraphContext } from '../shared/context.ts';
import { loadOrNull } from '../shared/loaders.ts';
import type { LoyaltyTier, PricingLoaders, RestPrice } from './loaders.ts';
import { money } from './money.ts';

type Context = SubgraphContext<PricingLoaders>;

interface CartRepresentation {
  id: string;
  user: { loyaltyTier: LoyaltyTier };
  items: { quantity: number; product: { id: string } }[];
}

function effectiveCents(price: RestPrice): number {
  return price.salePriceCents ?? price.listPriceCents;
}

function toPrice(price: RestPrice) {
  return {
    listPrice: money(price.listPriceCents, price.currency),
    salePrice: price.salePriceCents === null ? null : money(price.salePriceCents, price.currency),
    effectivePrice: money(effectiveCents(price), price.currency),
    tierPrice: price.tierPriceCents === undefined ? null : money(price.tierPriceCents, price.currency),
    onSale: price.salePriceCents !== null,
  };
}

export const resolvers = {
  Product: {
    __resolveReference: (ref: { id: string }) => ref,
    price: async (product: { id: string }, args: { tier?: LoyaltyTier | null }, context: Context) => {
      const price = await loadOrNull(context.loaders.pricesFor(args.tier ?? null), product.id);
      return price === null ? null : toPrice(price);
    },
  },
  Cart: {
    __resolveReference: (ref: CartRepresentation) => ref,
    totals: async (cart: CartRepresentation, _: unknown, context: Context) => {
      const tier = cart.user.loyaltyTier;
      const prices = await context.loaders.pricesFor(tier).loadMany(cart.items.map((item) => item.product.id));
      let subtotal = 0;
      let total = 0;
      let currency = 'USD';
      cart.items.forEach((item, index) => {
        const price = prices[index];
        // A product without a price cannot be bought; totals fail rather than
        // silently under-charge.
        if (price instanceof Error || price === undefined) throw price ?? new Error('missing price');
        currency = price.currency;
        subtotal += price.listPriceCents * item.quantity;
        total += (price.tierPriceCents ?? effectiveCents(price)) * item.quantity;
      });
      return { subtotal: money(subtotal, currency), discount: money(subtotal - total, currency), total: money(total, currency) };
    },
  },
};
