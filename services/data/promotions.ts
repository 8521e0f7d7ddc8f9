import type { Product, Promotion } from './types.ts';
import { DAY_MS, isoAt, padded, type Random } from './random.ts';

const PROMOTED_PRODUCT_PROBABILITY = 0.15;
export const FEATURED_PROMOTION_COUNT = 6;
const KINDS = ['Flash sale', 'Weekend deal', 'Clearance', 'Member exclusive', 'Bundle and save', 'Seasonal offer'];

type Window = 'active' | 'expired' | 'upcoming';
const WINDOW_WEIGHTS: { value: Window; weight: number }[] = [
  { value: 'active', weight: 80 },
  { value: 'expired', weight: 10 },
  { value: 'upcoming', weight: 10 },
];

export interface GeneratedPromotions {
  promotions: Promotion[];
  featuredPromotionIds: string[];
}

/**
 * Windows are whole days around `dayStartMs` with at least a day's margin: an "active"
 * promotion started by yesterday and ends after tomorrow, so a process started today
 * still sees the same promotions active when it runs past midnight.
 */
export function generatePromotions(random: Random, products: readonly Product[], dayStartMs: number): GeneratedPromotions {
  const promotions: Promotion[] = [];
  const activeIds: string[] = [];
  for (const product of products) {
    if (!random.chance(PROMOTED_PRODUCT_PROBABILITY)) continue;
    const count = random.int(1, 2);
    for (let i = 0; i < count; i++) {
      const window = random.weighted(WINDOW_WEIGHTS);
      const [startsAtMs, endsAtMs] = windowFor(random, window, dayStartMs);
      const discountPercent = random.int(5, 50);
      const id = padded('promo-', promotions.length + 1, 5);
      promotions.push({
        id,
        productId: product.id,
        label: `${random.pick(KINDS)}: ${discountPercent}% off`,
        discountPercent,
        startsAt: isoAt(startsAtMs),
        endsAt: isoAt(endsAtMs),
      });
      if (window === 'active') activeIds.push(id);
    }
  }
  return { promotions, featuredPromotionIds: random.distinctInts(FEATURED_PROMOTION_COUNT, 0, activeIds.length - 1).map((i) => activeIds[i]!) };
}

function windowFor(random: Random, window: Window, dayStartMs: number): [number, number] {
  const days = (min: number, max: number): number => random.int(min, max) * DAY_MS;
  switch (window) {
    case 'active':
      return [dayStartMs - days(1, 30), dayStartMs + days(2, 60)];
    case 'expired': {
      const endsAtMs = dayStartMs - days(1, 30);
      return [endsAtMs - days(3, 30), endsAtMs];
    }
    case 'upcoming': {
      const startsAtMs = dayStartMs + days(2, 30);
      return [startsAtMs, startsAtMs + days(3, 30)];
    }
  }
}
