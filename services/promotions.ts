import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ServiceOptions } from './service-names.ts';
import type { DeepReadonly, Promotion } from './data/types.ts';
import { indexBy, pickInOrder } from './batch.ts';
import { idListParam, parseInput } from './validation.ts';

const batchQuery = z.strictObject({ productIds: idListParam() });

type ReadonlyPromotion = DeepReadonly<Promotion>;

/**
 * GET /promotions?productIds=...  → { items: [{ productId, promotions: Promotion[] }] }
 *   One entry per known product (any product in the catalogue), in request order, even when
 *   it has no active promotion (`promotions: []`); unknown product ids are left out.
 * GET /promotions/featured        → { items: Promotion[] }  (the featured ones active now)
 * "Active" is judged per request: startsAt <= now < endsAt.
 */
export const promotionsService: FastifyPluginAsync<ServiceOptions> = async (app, { dataset, now }) => {
  const byProduct = new Map<string, ReadonlyPromotion[]>(dataset.products.map((p) => [p.id, []]));
  for (const promotion of dataset.promotions) byProduct.get(promotion.productId)?.push(promotion);
  const featured = pickInOrder(dataset.featuredPromotionIds, indexBy(dataset.promotions, (p) => p.id));

  app.get('/promotions', async (request) => {
    const { productIds } = parseInput(batchQuery, request.query, 'query');
    const at = now().toISOString();
    return {
      items: productIds.flatMap((productId) => {
        const promotions = byProduct.get(productId);
        return promotions ? [{ productId, promotions: promotions.filter((p) => isActive(p, at)) }] : [];
      }),
    };
  });

  app.get('/promotions/featured', async () => {
    const at = now().toISOString();
    return { items: featured.filter((p) => isActive(p, at)) };
  });
};

/** ISO strings in one format (UTC, milliseconds) compare in time order. */
export function isActive(promotion: ReadonlyPromotion, atIso: string): boolean {
  return promotion.startsAt <= atIso && atIso < promotion.endsAt;
}
