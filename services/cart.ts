import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ServiceOptions } from './service-names.ts';
import { CartStore } from './cart-store.ts';
import { notFound } from './errors.ts';
import { MAX_QUANTITY } from './limits.ts';
import { idListParam, idPattern, parseInput } from './validation.ts';

const userIdSchema = idPattern(/^user-\d{4}$/, 'user-0001');
const productIdSchema = idPattern(/^prod-\d{5}$/, 'prod-00001');
const quantityMessage = `expected an integer from 1 to ${MAX_QUANTITY}`;
const quantitySchema = z
  .number({ error: quantityMessage })
  .int({ error: quantityMessage })
  .min(1, { error: quantityMessage })
  .max(MAX_QUANTITY, { error: quantityMessage });

const batchQuery = z.strictObject({ userIds: idListParam() });
const cartParams = z.object({ userId: userIdSchema });
const itemParams = z.object({ userId: userIdSchema, productId: productIdSchema });
const addBody = z.strictObject({ productId: productIdSchema, quantity: quantitySchema });
const updateBody = z.strictObject({ quantity: quantitySchema });

/**
 * GET    /carts?userIds=...                      → { items: Cart[] }  (users without a cart omitted)
 * GET    /carts/:userId                          → Cart, or 404
 * POST   /carts/:userId/items       { productId, quantity } → Cart (adds; creates the cart)
 * PATCH  /carts/:userId/items/:productId  { quantity }      → Cart, or 404 if not in the cart
 * DELETE /carts/:userId/items/:productId                    → Cart, or 404 if not in the cart
 */
export const cartService: FastifyPluginAsync<ServiceOptions> = async (app, { dataset, now }) => {
  const store = new CartStore(dataset, now);

  app.get('/carts', async (request) => {
    const { userIds } = parseInput(batchQuery, request.query, 'query');
    return { items: userIds.flatMap((id) => store.get(id) ?? []) };
  });

  app.get('/carts/:userId', async (request) => {
    const { userId } = parseInput(cartParams, request.params, 'params');
    const cart = store.get(userId);
    if (!cart) throw notFound(`user ${userId} has no cart`);
    return cart;
  });

  app.post('/carts/:userId/items', async (request) => {
    const { userId } = parseInput(cartParams, request.params, 'params');
    const { productId, quantity } = parseInput(addBody, request.body, 'body');
    return store.addItem(userId, productId, quantity);
  });

  app.patch('/carts/:userId/items/:productId', async (request) => {
    const { userId, productId } = parseInput(itemParams, request.params, 'params');
    const { quantity } = parseInput(updateBody, request.body, 'body');
    return store.setQuantity(userId, productId, quantity);
  });

  app.delete('/carts/:userId/items/:productId', async (request) => {
    const { userId, productId } = parseInput(itemParams, request.params, 'params');
    return store.removeItem(userId, productId);
  });
};
