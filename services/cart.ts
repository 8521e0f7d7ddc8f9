import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServiceOptions } from './service-names.ts';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from '../common/idempotency.ts';
import { CartStore } from './cart-store.ts';
import { badRequest, notFound, RestError } from './errors.ts';
import { IdempotencyStore } from './idempotency.ts';
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
 *
 * Writes accept `Idempotency-Key` (common/idempotency.ts): the same key again
 * answers the first outcome (with `Idempotent-Replayed: true`) without applying
 * twice, also while the first is still running; the same key on a different
 * request is 422 IDEMPOTENCY_KEY_REUSED. Keys are per user, kept 24 h, at most
 * 100,000 (least recently used go first).
 */
export const cartService: FastifyPluginAsync<ServiceOptions> = async (app, { dataset, now }) => {
  const store = new CartStore(dataset, now);
  // Refusals (4xx) are outcomes too: a retry must get the same answer. A bug (500) is not kept.
  const writes = new IdempotencyStore({ remember: (o) => o.ok || (o.error instanceof RestError && o.error.statusCode < 500) });

  /** Runs a write once per Idempotency-Key; without a key, every request is a new write. */
  async function once(request: FastifyRequest, reply: FastifyReply, userId: string, write: () => unknown): Promise<unknown> {
    const parsed = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
    if ('error' in parsed) throw badRequest(parsed.error);
    if (parsed.key === undefined) return write();
    const fingerprint = JSON.stringify([request.method, request.url, request.body ?? null]);
    const run = await writes.run(`${userId} ${parsed.key}`, fingerprint, write);
    if (run.kind === 'mismatch') throw new RestError('IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key: already used for a different request; use a new key for a new write');
    if (run.kind === 'replay') void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
    if (!run.outcome.ok) throw run.outcome.error;
    return run.outcome.value;
  }

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

  app.post('/carts/:userId/items', async (request, reply) => {
    const { userId } = parseInput(cartParams, request.params, 'params');
    const { productId, quantity } = parseInput(addBody, request.body, 'body');
    return once(request, reply, userId, () => store.addItem(userId, productId, quantity));
  });

  app.patch('/carts/:userId/items/:productId', async (request, reply) => {
    const { userId, productId } = parseInput(itemParams, request.params, 'params');
    const { quantity } = parseInput(updateBody, request.body, 'body');
    return once(request, reply, userId, () => store.setQuantity(userId, productId, quantity));
  });

  app.delete('/carts/:userId/items/:productId', async (request, reply) => {
    const { userId, productId } = parseInput(itemParams, request.params, 'params');
    return once(request, reply, userId, () => store.removeItem(userId, productId));
  });
};
