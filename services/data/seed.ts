import type { Dataset } from './types.ts';
import { createFaker, createRandom, startOfUtcDay } from './random.ts';
import { englishVocabulary } from './vocabulary.ts';
import { generateUsers } from './users.ts';
import { buildCategories } from './categories.ts';
import { generateProducts, pickFeaturedProductIds } from './products.ts';
import { generateCarts } from './carts.ts';
import { generatePrices } from './prices.ts';
import { generatePromotions } from './promotions.ts';

export type { Dataset } from './types.ts';

// Each domain draws from its own sequence (see createRandom). Never reuse or renumber an offset.
const DOMAIN = { users: 1, products: 2, featured: 3, carts: 4, prices: 5, promotions: 6, brands: 7 } as const;

export interface GenerateOptions {
  /**
   * Any instant of the day the time-relative data (cart item dates, promotion windows) is
   * anchored to; only its UTC date matters. Default: now, so every process started on the
   * same UTC day builds the same dataset.
   */
  today?: Date;
}

/** A fresh dataset on every call (~150–300 ms). Outside tests, use getDataset(). */
export function generateDataset(options: GenerateOptions = {}): Dataset {
  const dayStartMs = startOfUtcDay(options.today ?? new Date()).getTime();
  const words = englishVocabulary();
  const products = generateProducts(createRandom(DOMAIN.products), createFaker(DOMAIN.brands), words);
  const productCount = new Map<string, number>();
  for (const p of products) productCount.set(p.categoryId, (productCount.get(p.categoryId) ?? 0) + 1);
  const { promotions, featuredPromotionIds } = generatePromotions(createRandom(DOMAIN.promotions), products, dayStartMs);

  return {
    dayStart: new Date(dayStartMs).toISOString(),
    users: generateUsers(createRandom(DOMAIN.users), words),
    categories: buildCategories(productCount),
    products,
    featuredProductIds: pickFeaturedProductIds(createRandom(DOMAIN.featured)),
    carts: generateCarts(createRandom(DOMAIN.carts), dayStartMs),
    prices: generatePrices(createRandom(DOMAIN.prices), products),
    promotions,
    featuredPromotionIds,
  };
}

let memo: Dataset | undefined;

/**
 * The process-wide dataset, generated on first use and shared by every service in the
 * process. A process running past midnight keeps the day it started on.
 */
export function getDataset(): Dataset {
  memo ??= generateDataset();
  return memo;
}
