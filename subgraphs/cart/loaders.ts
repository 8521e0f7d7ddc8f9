import type DataLoader from 'dataloader';
import type { RestFetch } from '../shared/context.ts';
import { batchLoader } from '../shared/loaders.ts';
import type { LoaderObservers } from '../shared/metrics.ts';

/** A cart as the cart REST service returns it. */
export interface RestCart {
  id: string;
  userId: string;
  items: { productId: string; quantity: number; addedAt: string }[];
  updatedAt: string | null;
}

export interface CartLoaders {
  /** Keyed by user id; a user without a cart gets an empty one (the service omits them). */
  readonly cartsByUser: DataLoader<string, RestCart>;
}

export function emptyCart(userId: string): RestCart {
  return { id: cartIdOf(userId), userId, items: [], updatedAt: null };
}

/** Carts are one per user, so the cart id is derived from the user id (and back). */
export function cartIdOf(userId: string): string {
  return `cart-${userId}`;
}

export function userIdOfCart(cartId: string): string | null {
  return cartId.startsWith('cart-') ? cartId.slice('cart-'.length) : null;
}

export function createCartLoaders(rest: RestFetch, observers?: LoaderObservers): CartLoaders {
  return {
    cartsByUser: batchLoader<RestCart>(rest, {
      service: 'cart',
      path: '/carts',
      idsParam: 'userIds',
      keyOf: (c) => c.userId,
      resource: 'Cart',
      whenMissing: emptyCart,
    }, observers),
  };
}
