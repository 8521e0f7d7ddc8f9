import type { Price, Product } from './types.ts';
import type { Random } from './random.ts';

const SALE_PROBABILITY = 0.25;

/**
 * One price per product, in product order. List prices end in .99, from $1.99 to $499.99;
 * a sale takes 10–50% off, rounded down, so it is always below the list price.
 */
export function generatePrices(random: Random, products: readonly Product[]): Price[] {
  return products.map((product) => {
    const listPriceCents = random.int(2, 500) * 100 - 1;
    const salePercent = random.int(10, 50);
    return {
      productId: product.id,
      sku: product.sku,
      currency: 'USD',
      listPriceCents,
      salePriceCents: random.chance(SALE_PROBABILITY) ? Math.floor((listPriceCents * (100 - salePercent)) / 100) : null,
    };
  });
}
