import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphQLResolveInfo } from 'graphql';
import { ErrorCode, storefrontError } from '../../common/errors.ts';
import type { FallbackRecord } from '../../common/upstream/wire.ts';
import { withFallbacks } from '../../subgraphs/shared/fallbacks.ts';

type Context = { fallbacks: FallbackRecord[] };
const info = {} as GraphQLResolveInfo;

function resolverFailingWith(error: Error) {
  return withFallbacks<Context>({ Product: { promotions: async () => { throw error; } } }, { 'Product.promotions': () => [] });
}

async function run(resolvers: ReturnType<typeof resolverFailingWith>, context: Context) {
  const field = (resolvers['Product'] as Record<string, (s: unknown, a: unknown, c: Context, i: GraphQLResolveInfo) => Promise<unknown>>)['promotions']!;
  return field({}, {}, context, info);
}

describe('fallbacks for optional data', () => {
  it('answers the fallback when the upstream fails, and records it', async () => {
    const context: Context = { fallbacks: [] };
    const resolvers = resolverFailingWith(storefrontError(ErrorCode.UPSTREAM_TIMEOUT, 'slow', { details: { service: 'promotions' } }));
    assert.deepEqual(await run(resolvers, context), []);
    assert.deepEqual(context.fallbacks, [{ field: 'Product.promotions', service: 'promotions' }]);
  });

  it('does not hide client errors or missing data behind a fallback', async () => {
    for (const code of [ErrorCode.NOT_FOUND, ErrorCode.BAD_USER_INPUT, ErrorCode.UNAUTHENTICATED]) {
      const context: Context = { fallbacks: [] };
      await assert.rejects(run(resolverFailingWith(storefrontError(code, 'no')), context), { message: 'no' });
      assert.deepEqual(context.fallbacks, []);
    }
  });

  it('passes successful results through untouched', async () => {
    const context: Context = { fallbacks: [] };
    const resolvers = withFallbacks<Context>({ Product: { promotions: () => [{ id: 'p' }] } }, { 'Product.promotions': () => [] });
    assert.deepEqual(await run(resolvers, context), [{ id: 'p' }]);
    assert.deepEqual(context.fallbacks, []);
  });

  it('refuses a fallback declared for a field without a resolver (a typo must not pass silently)', () => {
    assert.throws(() => withFallbacks<Context>({ Product: {} }, { 'Product.promotion': () => [] }), /Product\.promotion, which has no resolver/);
  });
});
