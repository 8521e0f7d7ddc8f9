import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ErrorCode, statusOf } from '../../common/errors.ts';
import { graphqlErrorBody } from '../../common/http-server.ts';
import type { Logger } from '../../common/logger.ts';
import { typeTag } from './tags.ts';
import type { EntityCacheMetrics } from './metrics.ts';
import type { CacheStore } from './store.ts';

export const INVALIDATION_PATH = '/cache/invalidate';

const tag = z.string().min(1).max(256).regex(/^[^\s,]+$/, { message: 'expected a tag without spaces or commas' });

/** `{ "tags": ["product:prod-00042", "promotion"] }` or `{ "type": "Product", "keys": ["prod-00042"] }` (no keys: the whole type). */
const bodySchema = z
  .object({
    tags: z.array(tag).min(1).max(1000).optional(),
    type: z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, { message: 'expected a GraphQL type name' }).optional(),
    keys: z.array(z.string().min(1).max(256)).min(1).max(1000).optional(),
  })
  .strict()
  .refine((b) => (b.tags !== undefined) !== (b.type !== undefined), { message: 'expected either "tags" or "type" (with optional "keys")' })
  .refine((b) => b.keys === undefined || b.type !== undefined, { message: '"keys" needs "type"', path: ['keys'] });

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * POST /cache/invalidate: purges entries by tag from this replica's memory and Redis
 * (so every replica sharing it). Only with the shared secret
 * (`Authorization: Bearer <secret>`), compared in constant time over digests so
 * neither its content nor its length leaks through timing.
 */
export function registerInvalidationRoute(app: FastifyInstance, options: { secret: string; store: CacheStore; metrics: EntityCacheMetrics; logger: Logger }): void {
  const expected = digest(options.secret);
  const refuse = (reply: FastifyReply, code: ErrorCode, message: string) =>
    reply.status(statusOf(code)).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(graphqlErrorBody(message, code));
  app.post(INVALIDATION_PATH, async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!timingSafeEqual(digest(given), expected) || given === '') {
      void reply.header('www-authenticate', 'Bearer realm="cache invalidation"');
      return refuse(reply, ErrorCode.UNAUTHENTICATED, 'cache invalidation needs the shared secret as a bearer token');
    }
    const parsed = bodySchema.safeParse(request.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return refuse(reply, ErrorCode.BAD_REQUEST, `invalid invalidation request: ${problems}`);
    }
    const { tags, type, keys } = parsed.data;
    const toPurge = tags ?? (keys ? keys.map((key) => `${typeTag(type!)}:${key}`) : [typeTag(type!)]);
    try {
      const purged = await options.store.purge(toPurge);
      options.metrics.invalidations.inc({ source: 'endpoint', outcome: 'ok' });
      options.logger.info({ tags: toPurge.slice(0, 20), count: toPurge.length, purged }, 'entity cache invalidated');
      return reply.header('cache-control', 'no-store').send({ purged, tags: toPurge });
    } catch (error) {
      options.metrics.invalidations.inc({ source: 'endpoint', outcome: 'failed' });
      options.logger.error({ reason: (error as Error).message }, 'entity cache invalidation failed: the shared cache is unreachable');
      void reply.header('retry-after', '1');
      return refuse(reply, ErrorCode.SERVICE_UNAVAILABLE, 'the shared cache is unreachable; nothing was purged there, retry');
    }
  });
}
