import type { Cart, CartItem } from './types.ts';
import { DAY_MS, isoAt, productId, userId, type Random } from './random.ts';
import { USER_COUNT } from './users.ts';
import { PRODUCT_COUNT } from './products.ts';

export const DEMO_USER_ID = 'user-0001';
export const DEMO_CART_ITEM_COUNT = 20;
const CART_PROBABILITY = 0.85;
const MAX_SEEDED_ITEMS = 8;
const MAX_SEEDED_QUANTITY = 5;
const MAX_ITEM_AGE_MS = 30 * DAY_MS;

export function cartIdFor(userIdValue: string): string {
  return `cart-${userIdValue}`;
}

/**
 * About 85% of users have a cart; the demo user always has one with exactly 20 lines.
 * Items were added during the 30 days before `dayStartMs` and are listed oldest first.
 */
export function generateCarts(random: Random, dayStartMs: number): Cart[] {
  const carts: Cart[] = [];
  for (let n = 1; n <= USER_COUNT; n++) {
    const id = userId(n);
    const isDemo = id === DEMO_USER_ID;
    if (!isDemo && !random.chance(CART_PROBABILITY)) continue;

    const itemCount = isDemo ? DEMO_CART_ITEM_COUNT : random.int(1, MAX_SEEDED_ITEMS);
    const items: CartItem[] = random
      .distinctInts(itemCount, 1, PRODUCT_COUNT)
      .map((productNumber) => ({
        productId: productId(productNumber),
        quantity: random.int(1, MAX_SEEDED_QUANTITY),
        addedAt: isoAt(dayStartMs - random.int(60_000, MAX_ITEM_AGE_MS)),
      }))
      // ISO strings of one format sort chronologically.
      .sort((a, b) => (a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : 0));
    carts.push({ id: cartIdFor(id), userId: id, items, updatedAt: items.at(-1)!.addedAt });
  }
  return carts;
}
