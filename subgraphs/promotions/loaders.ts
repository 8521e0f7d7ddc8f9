import type DataLoader from 'dataloader';
import type { RestFetch } from '../shared/context.ts';
import { batchLoader } from '../shared/loaders.ts';
import type { LoaderObservers } from '../shared/metrics.ts';

/** A promotion as the promotions REST service returns it. */
export interface RestPromotion {
  id: string;
  productId: string;
  label: string;
  discountPercent: number;
  startsAt: string;
  endsAt: string;
}

export interface PromotionLoaders {
  /** Active promotions per product id; a product the service does not list has none. */
  readonly byProduct: DataLoader<string, { productId: string; promotions: RestPromotion[] }>;
}

export function createPromotionLoaders(rest: RestFetch, observers?: LoaderObservers): PromotionLoaders {
  return {
    byProduct: batchLoader(rest, {
      service: 'promotions',
      path: '/promotions',
      idsParam: 'productIds',
      keyOf: (entry: { productId: string }) => entry.productId,
      resource: 'Promotions',
      whenMissing: (productId) => ({ productId, promotions: [] }),
    }, observers),
  };
}
