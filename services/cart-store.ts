import type { Cart, Dataset } from './data/types.ts';
import { cartIdFor } from './data/carts.ts';
import { conflict, notFound } from './errors.ts';
import { MAX_CART_LINES, MAX_QUANTITY } from './limits.ts';

/**
 * The cart service's mutable state: a private copy of the seeded carts, so two cart
 * servers in one process (two tests) never see each other's writes and the shared dataset
 * stays untouched. Every method returns a copy; callers cannot reach the stored objects.
 *
 * A cart whose last item is removed stays, empty: `GET /carts/:userId` then returns
 * `{ ..., items: [] }` rather than 404.
 */
export class CartStore {
  readonly #carts = new Map<string, Cart>();
  readonly #userIds: ReadonlySet<string>;
  readonly #productIds: ReadonlySet<string>;

  private readonly now: () => Date;

  constructor(dataset: Dataset, now: () => Date) {
    this.now = now;
    this.#userIds = new Set(dataset.users.map((u) => u.id));
    this.#productIds = new Set(dataset.products.map((p) => p.id));
    for (const cart of dataset.carts) {
      this.#carts.set(cart.userId, { ...cart, items: cart.items.map((item) => ({ ...item })) });
    }
  }

  get(userId: string): Cart | undefined {
    const cart = this.#carts.get(userId);
    return cart && copy(cart);
  }

  /** Adds `quantity` to the line, creating the line and the cart as needed; the sum is capped at MAX_QUANTITY. */
  addItem(userId: string, productId: string, quantity: number): Cart {
    // Ids were checked for form by the route; here, for existence.
    if (!this.#userIds.has(userId)) throw notFound(`user ${userId} does not exist`);
    if (!this.#productIds.has(productId)) throw notFound(`product ${productId} does not exist`);
    const at = this.now().toISOString();
    let cart = this.#carts.get(userId);
    if (!cart) {
      cart = { id: cartIdFor(userId), userId, items: [], updatedAt: at };
      this.#carts.set(userId, cart);
    }
    const line = cart.items.find((item) => item.productId === productId);
    if (line) {
      line.quantity = Math.min(line.quantity + quantity, MAX_QUANTITY);
    } else {
      if (cart.items.length >= MAX_CART_LINES) {
        throw conflict(`cart of ${userId} already holds the maximum of ${MAX_CART_LINES} distinct products`);
      }
      cart.items.push({ productId, quantity, addedAt: at });
    }
    cart.updatedAt = at;
    return copy(cart);
  }

  setQuantity(userId: string, productId: string, quantity: number): Cart {
    const cart = this.#cartWith(userId, productId);
    cart.items.find((item) => item.productId === productId)!.quantity = quantity;
    cart.updatedAt = this.now().toISOString();
    return copy(cart);
  }

  removeItem(userId: string, productId: string): Cart {
    const cart = this.#cartWith(userId, productId);
    cart.items = cart.items.filter((item) => item.productId !== productId);
    cart.updatedAt = this.now().toISOString();
    return copy(cart);
  }

  #cartWith(userId: string, productId: string): Cart {
    const cart = this.#carts.get(userId);
    if (!cart?.items.some((item) => item.productId === productId)) {
      throw notFound(`product ${productId} is not in the cart of ${userId}`);
    }
    return cart;
  }
}

function copy(cart: Cart): Cart {
  return { ...cart, items: cart.items.map((item) => ({ ...item })) };
}
