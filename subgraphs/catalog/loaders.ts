import type DataLoader from 'dataloader';
import type { RestFetch } from '../shared/context.ts';
import { batchLoader } from '../shared/loaders.ts';
import type { LoaderObservers } from '../shared/metrics.ts';

export type ImageSize = 'THUMBNAIL' | 'SMALL' | 'MEDIUM' | 'LARGE';

/** A product as the catalog REST service returns it. */
export interface RestProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  brand: string;
  categoryId: string;
  images: { size: ImageSize; url: string; width: number; height: number }[];
  relatedProductIds: string[];
}

export interface RestCategory {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
  productCount: number;
}

export interface RestProductPage {
  items: RestProduct[];
  nextCursor: string | null;
  totalCount: number;
}

export interface CatalogLoaders {
  readonly products: DataLoader<string, RestProduct>;
  readonly categories: DataLoader<string, RestCategory>;
}

export function createCatalogLoaders(rest: RestFetch, observers?: LoaderObservers): CatalogLoaders {
  return {
    products: batchLoader<RestProduct>(rest, { service: 'catalog', path: '/products', idsParam: 'ids', keyOf: (p) => p.id, resource: 'Product' }, observers),
    categories: batchLoader<RestCategory>(rest, { service: 'catalog', path: '/categories', idsParam: 'ids', keyOf: (c) => c.id, resource: 'Category' }, observers),
  };
}

/** Lists fetched whole (featured, search pages) fill the loader so entity fetches later in the request do not ask again. */
export function primeProducts(loaders: CatalogLoaders, products: readonly RestProduct[]): void {
  for (const product of products) loaders.products.prime(product.id, product);
}
