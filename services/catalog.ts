import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ServiceOptions } from './service-names.ts';
import type { DeepReadonly, Product } from './data/types.ts';
import { indexBy, pickInOrder } from './batch.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { badRequest, notFound, received } from './errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_SEARCH_LENGTH } from './limits.ts';
import { idListParam, pageSizeParam, parseInput } from './validation.ts';

const productsQuery = z.strictObject({
  ids: idListParam().optional(),
  categoryId: z.string().max(100, { error: 'expected at most 100 characters' }).optional(),
  q: z.string().max(MAX_SEARCH_LENGTH, { error: `expected at most ${MAX_SEARCH_LENGTH} characters` }).optional(),
  limit: pageSizeParam().optional(),
  cursor: z.string().optional(),
});
const categoriesQuery = z.strictObject({ ids: idListParam().optional() });
const byIdParams = z.object({ id: z.string() });

type ReadonlyProduct = DeepReadonly<Product>;

/**
 * GET /products?ids=...                                  → { items: Product[] }  (batch)
 * GET /products?categoryId=&q=&limit=&cursor=            → { items, nextCursor, totalCount }
 * GET /products/featured                                 → { items: Product[] }
 * GET /products/:id                                      → Product, or 404
 * GET /categories[?ids=...]                              → { items: Category[] }
 * GET /categories/:id                                    → Category, or 404
 */
export const catalogService: FastifyPluginAsync<ServiceOptions> = async (app, { dataset }) => {
  const products = indexBy(dataset.products, (p) => p.id);
  const categories = indexBy(dataset.categories, (c) => c.id);
  const featured = pickInOrder(dataset.featuredProductIds, products);

  app.get('/products', async (request) => {
    const query = parseInput(productsQuery, request.query, 'query');
    if (query.ids === undefined) return listProducts(dataset.products, query);
    // A batch with listing parameters is a client bug: say so rather than ignore them.
    const listing = (['categoryId', 'q', 'limit', 'cursor'] as const).filter((k) => query[k] !== undefined);
    if (listing.length > 0) {
      throw badRequest(`query: expected either ids (batch) or listing parameters, received ids with ${listing.join(', ')}`);
    }
    return { items: pickInOrder(query.ids, products) };
  });

  // Static segments win over `/products/:id` in Fastify's router whatever the order; kept first for readers.
  app.get('/products/featured', async () => ({ items: featured }));

  app.get('/products/:id', async (request) => {
    const { id } = parseInput(byIdParams, request.params, 'params');
    const product = products.get(id);
    if (!product) throw notFound(`product ${received(id)} does not exist`);
    return product;
  });

  app.get('/categories', async (request) => {
    const { ids } = parseInput(categoriesQuery, request.query, 'query');
    return { items: ids === undefined ? dataset.categories : pickInOrder(ids, categories) };
  });

  app.get('/categories/:id', async (request) => {
    const { id } = parseInput(byIdParams, request.params, 'params');
    const category = categories.get(id);
    if (!category) throw notFound(`category ${received(id)} does not exist`);
    return category;
  });
};

interface ListingQuery {
  categoryId?: string | undefined;
  q?: string | undefined;
  /** Default DEFAULT_PAGE_SIZE. */
  limit?: number | undefined;
  cursor?: string | undefined;
}

/**
 * Products in id order, filtered by exact category and case-insensitive name substring.
 * totalCount counts every match, not just this page. An empty `q` means no search.
 */
export function listProducts(all: readonly ReadonlyProduct[], query: ListingQuery) {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const needle = query.q?.trim().toLowerCase() || undefined;
  const matches = all.filter(
    (p) =>
      (query.categoryId === undefined || p.categoryId === query.categoryId) &&
      (needle === undefined || p.name.toLowerCase().includes(needle)),
  );
  // Ids are zero-padded, so string order is id order.
  const start = after === undefined ? 0 : firstIndexAfter(matches, after);
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const items = matches.slice(start, start + limit);
  const hasMore = start + limit < matches.length;
  return {
    items,
    nextCursor: hasMore ? encodeCursor(items.at(-1)!.id) : null,
    totalCount: matches.length,
  };
}

function firstIndexAfter(sorted: readonly ReadonlyProduct[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
