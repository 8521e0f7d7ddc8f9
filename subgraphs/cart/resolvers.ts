import { ErrorCode, storefrontError } from '../../common/errors.ts';
import { writeKey } from '../../common/idempotency.ts';
import { requireUser, type SubgraphContext } from '../shared/context.ts';
import { cartIdOf, userIdOfCart, type CartLoaders, type RestCart } from './loaders.ts';

type Context = SubgraphContext<CartLoaders>;

const PRODUCT_ID = /^prod-\d{5}$/;
const MAX_QUANTITY = 99;

/** Only the signed-in user's own cart is readable or writable. */
function ownCart(userId: string | null, context: Context): string {
  const signedIn = requireUser(context);
  if (userId !== signedIn) throw storefrontError(ErrorCode.FORBIDDEN, 'You can only access your own cart');
  return signedIn;
}

function checkProductId(productId: string): string {
  if (!PRODUCT_ID.test(productId)) {
    throw storefrontError(ErrorCode.BAD_USER_INPUT, `productId must look like "prod-00001", received ${JSON.stringify(productId.slice(0, 40))}`);
  }
  return productId;
}

function checkQuantity(quantity: number): number {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
    throw storefrontError(ErrorCode.BAD_USER_INPUT, `quantity must be between 1 and ${MAX_QUANTITY}, received ${quantity}`);
  }
  return quantity;
}

/** Runs a cart mutation and primes the loader so fields read after it see the new cart. */
async function mutate(context: Context, call: { method: 'POST' | 'PATCH' | 'DELETE'; path: string; route: string; body?: unknown; resource: string }): Promise<RestCart> {
  // Each write of the operation under its own key derived from the client's (common/idempotency.ts).
  const idempotency = context.idempotency;
  const cart = await context.rest<RestCart>(idempotency ? { ...call, idempotencyKey: writeKey(idempotency.key, idempotency.writes++) } : call);
  context.loaders.cartsByUser.clear(cart.userId).prime(cart.userId, cart);
  return cart;
}

export const resolvers = {
  User: {
    cart: (user: { id: string }, _: unknown, context: Context) => context.loaders.cartsByUser.load(ownCart(user.id, context)),
  },
  Cart: {
    __resolveReference: (ref: { id: string }, context: Context) => context.loaders.cartsByUser.load(ownCart(userIdOfCart(ref.id), context)),
    user: (cart: RestCart) => ({ id: cart.userId }),
    itemCount: (cart: RestCart) => cart.items.reduce((sum, item) => sum + item.quantity, 0),
  },
  CartItem: {
    product: (item: RestCart['items'][number]) => ({ id: item.productId }),
  },
  Mutation: {
    addToCart: (_: unknown, args: { productId: string; quantity: number }, context: Context) => {
      const userId = requireUser(context);
      return mutate(context, {
        method: 'POST',
        path: `/carts/${userId}/items`,
        route: '/carts/:userId/items',
        body: { productId: checkProductId(args.productId), quantity: checkQuantity(args.quantity) },
        resource: `Cart ${cartIdOf(userId)}`,
      });
    },
    updateCartItemQuantity: (_: unknown, args: { productId: string; quantity: number }, context: Context) => {
      const userId = requireUser(context);
      return mutate(context, {
        method: 'PATCH',
        path: `/carts/${userId}/items/${checkProductId(args.productId)}`,
        route: '/carts/:userId/items/:productId',
        body: { quantity: checkQuantity(args.quantity) },
        resource: `Product ${args.productId} in the cart`,
      });
    },
    removeFromCart: (_: unknown, args: { productId: string }, context: Context) => {
      const userId = requireUser(context);
      return mutate(context, {
        method: 'DELETE',
        path: `/carts/${userId}/items/${checkProductId(args.productId)}`,
        route: '/carts/:userId/items/:productId',
        resource: `Product ${args.productId} in the cart`,
      });
    },
  },
};
