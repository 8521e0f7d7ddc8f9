import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ServiceOptions } from './service-names.ts';
import { LOYALTY_TIERS, type DeepReadonly, type LoyaltyTier, type Price } from './data/types.ts';
import { indexBy, pickInOrder } from './batch.ts';
import { notFound, received } from './errors.ts';
import { idListParam, parseInput } from './validation.ts';

/** Loyalty discount off the effective price (sale if any, else list). */
export const TIER_DISCOUNT_PERCENT: Record<LoyaltyTier, number> = { BRONZE: 0, SILVER: 2, GOLD: 5, PLATINUM: 10 };

const tierSchema = z.enum(LOYALTY_TIERS).optional();
const batchQuery = z.strictObject({ productIds: idListParam(), tier: tierSchema });
const singleQuery = z.strictObject({ tier: tierSchema });
const byIdParams = z.object({ productId: z.string() });

export type PriceResponse = DeepReadonly<Price> & { tierPriceCents?: number };

/**
 * GET /prices?productIds=...[&tier=GOLD]  → { items: Price[] }
 * GET /prices/:productId[?tier=GOLD]     → Price, or 404
 * With a tier, every price carries `tierPriceCents`; without one the field is absent.
 */
export const pricingService: FastifyPluginAsync<ServiceOptions> = async (app, { dataset }) => {
  const prices = indexBy(dataset.prices, (p) => p.productId);

  app.get('/prices', async (request) => {
    const { productIds, tier } = parseInput(batchQuery, request.query, 'query');
    return { items: pickInOrder(productIds, prices).map((price) => withTier(price, tier)) };
  });

  app.get('/prices/:productId', async (request) => {
    const { productId } = parseInput(byIdParams, request.params, 'params');
    const { tier } = parseInput(singleQuery, request.query, 'query');
    const price = prices.get(productId);
    if (!price) throw notFound(`product ${received(productId)} has no price`);
    return withTier(price, tier);
  });
};

export function withTier(price: DeepReadonly<Price>, tier: LoyaltyTier | undefined): PriceResponse {
  return tier === undefined ? price : { ...price, tierPriceCents: tierPriceCents(price, tier) };
}

/** Rounded to the nearest cent, halves up: GOLD on 1999 → round(1899.05) = 1899. */
export function tierPriceCents(price: DeepReadonly<Price>, tier: LoyaltyTier): number {
  const effective = price.salePriceCents ?? price.listPriceCents;
  return Math.round((effective * (100 - TIER_DISCOUNT_PERCENT[tier])) / 100);
}
