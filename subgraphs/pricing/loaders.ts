import type DataLoader from 'dataloader';
import type { RestFetch } from '../shared/context.ts';
import { batchLoader } from '../shared/loaders.ts';
import type { LoaderObservers } from '../shared/metrics.ts';

export type LoyaltyTier = 'BRONZE' | 'SILVER' | 'GOLD' | 'PLATINUM';

/** A price as the pricing REST service returns it (amounts in cents). */
export interface RestPrice {
  productId: string;
  sku: string;
  currency: string;
  listPriceCents: number;
  salePriceCents: number | null;
  /** Present only when a tier was asked for. */
  tierPriceCents?: number;
}

export interface PricingLoaders {
  /** One loader per tier asked in this request ("" = no tier), each batching its own call. */
  pricesFor(tier: LoyaltyTier | null): DataLoader<string, RestPrice>;
}

export function createPricingLoaders(rest: RestFetch, observers?: LoaderObservers): PricingLoaders {
  const byTier = new Map<string, DataLoader<string, RestPrice>>();
  return {
    pricesFor(tier) {
      const key = tier ?? '';
      let loader = byTier.get(key);
      if (!loader) {
        loader = batchLoader<RestPrice>(rest, {
          service: 'pricing',
          path: '/prices',
          idsParam: 'productIds',
          query: { tier: tier ?? undefined },
          keyOf: (p) => p.productId,
          resource: 'Price',
        }, observers);
        byTier.set(key, loader);
      }
      return loader;
    },
  };
}
