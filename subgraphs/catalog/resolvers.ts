import { ErrorCode, storefrontError } from '../../common/errors.ts';
import type { SubgraphContext } from '../shared/context.ts';
import { loadManyOrNull, loadOrNull } from '../shared/loaders.ts';
import { primeProducts, type CatalogLoaders, type RestCategory, type RestProduct, type RestProductPage } from './loaders.ts';

type Context = SubgraphContext<CatalogLoaders>;

/** The catalog service pages at most 100 products per call. */
const MAX_PAGE_SIZE = 100;

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

function pageSize(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw storefrontError(ErrorCode.BAD_USER_INPUT, `first must be between 1 and ${MAX_PAGE_SIZE}, received ${size}`);
  }
  return size;
}

async function productPage(context: Context, filter: { categoryId?: string | null; query?: string | null }, page: PageArgs) {
  const result = await context.rest<RestProductPage>({
    method: 'GET',
    path: '/products',
    route: '/products',
    query: {
      categoryId: filter.categoryId ?? undefined,
      q: filter.query ?? undefined,
      limit: String(pageSize(page.first)),
      cursor: page.after ?? undefined,
    },
    resource: 'Product page',
  });
  primeProducts(context.loaders, result.items);
  // The service's cursor is opaque and marks the end of a page, so the
  // connection exposes nodes and pageInfo (as GitHub's API does) rather than
  // per-edge cursors we could not honour.
  return {
    nodes: result.items,
    pageInfo: { hasNextPage: result.nextCursor !== null, endCursor: result.nextCursor },
    totalCount: result.totalCount,
  };
}

export const resolvers = {
  Query: {
    product: (_: unknown, args: { id: string }, context: Context) => loadOrNull(context.loaders.products, args.id),
    products: (_: unknown, args: { ids: string[] }, context: Context) => {
      if (args.ids.length > MAX_PAGE_SIZE) {
        throw storefrontError(ErrorCode.BAD_USER_INPUT, `ids accepts at most ${MAX_PAGE_SIZE} ids, received ${args.ids.length}`);
      }
      return loadManyOrNull(context.loaders.products, args.ids);
    },
    featuredProducts: async (_: unknown, __: unknown, context: Context) => {
      const { items } = await context.rest<{ items: RestProduct[] }>({ method: 'GET', path: '/products/featured', route: '/products/featured', resource: 'Featured products' });
      primeProducts(context.loaders, items);
      return items;
    },
    categories: async (_: unknown, __: unknown, context: Context) => {
      const { items } = await context.rest<{ items: RestCategory[] }>({ method: 'GET', path: '/categories', route: '/categories', resource: 'Categories' });
      for (const category of items) context.loaders.categories.prime(category.id, category);
      return items;
    },
    category: (_: unknown, args: { id: string }, context: Context) => loadOrNull(context.loaders.categories, args.id),
    searchProducts: (_: unknown, args: { categoryId?: string | null; query?: string | null } & PageArgs, context: Context) =>
      productPage(context, args, args),
  },
  Product: {
    __resolveReference: (ref: { id: string }, context: Context) => context.loaders.products.load(ref.id),
    category: (product: RestProduct, _: unknown, context: Context) => context.loaders.categories.load(product.categoryId),
    thumbnail: (product: RestProduct) => product.images.find((image) => image.size === 'THUMBNAIL') ?? product.images[0],
    relatedProducts: async (product: RestProduct, _: unknown, context: Context) =>
      (await loadManyOrNull(context.loaders.products, product.relatedProductIds)).filter((p): p is RestProduct => p !== null),
  },
  Category: {
    __resolveReference: (ref: { id: string }, context: Context) => context.loaders.categories.load(ref.id),
    parent: (category: RestCategory, _: unknown, context: Context) =>
      category.parentId === null ? null : loadOrNull(context.loaders.categories, category.parentId),
    products: (category: RestCategory, args: PageArgs, context: Context) => productPage(context, { categoryId: category.id }, args),
  },
};
