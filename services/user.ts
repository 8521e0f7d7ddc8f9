import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ServiceOptions } from './service-names.ts';
import { indexBy, pickInOrder } from './batch.ts';
import { notFound, received } from './errors.ts';
import { idListParam, parseInput } from './validation.ts';

const batchQuery = z.strictObject({ ids: idListParam() });
const byIdParams = z.object({ id: z.string() });

/**
 * GET /users?ids=user-0001,user-0002  → { items: User[] }
 * GET /users/:id                      → User, or 404
 */
export const userService: FastifyPluginAsync<ServiceOptions> = async (app, { dataset }) => {
  const users = indexBy(dataset.users, (u) => u.id);

  app.get('/users', async (request) => {
    const { ids } = parseInput(batchQuery, request.query, 'query');
    return { items: pickInOrder(ids, users) };
  });

  app.get('/users/:id', async (request) => {
    const { id } = parseInput(byIdParams, request.params, 'params');
    const user = users.get(id);
    if (!user) throw notFound(`user ${received(id)} does not exist`);
    return user;
  });
};
