import type { GraphQLFieldResolver } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { isUpstreamFailure } from '../../common/errors.ts';
import type { FallbackRecord } from '../../common/upstream/wire.ts';

/** Values served in place of optional data whose upstream failed, by "Type.field". */
export type FallbackDeclarations = Readonly<Record<string, () => unknown>>;

/** Upstream failures, not client mistakes: only these are covered by a fallback. */
function upstreamFailure(error: unknown): { service: string } | undefined {
  const extensions = (error as { extensions?: Record<string, unknown> } | null)?.extensions;
  if (!isUpstreamFailure(extensions?.['code'])) return undefined;
  return { service: typeof extensions?.['service'] === 'string' ? extensions['service'] : 'unknown' };
}

/**
 * Wraps the declared fields' resolvers: when the upstream behind one fails,
 * the field answers its fallback (e.g. promotions → []) instead of an error
 * that, on a non-null field, would null out the whole product. Each use is
 * recorded in the request context so the response can say it is incomplete.
 */
export function withFallbacks<C extends { fallbacks: FallbackRecord[] }>(resolvers: GraphQLResolverMap<C>, declarations: FallbackDeclarations): GraphQLResolverMap<C> {
  const wrapped: GraphQLResolverMap<C> = { ...resolvers };
  for (const [coordinate, fallback] of Object.entries(declarations)) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const fields = { ...(wrapped[typeName] as Record<string, GraphQLFieldResolver<unknown, C>> | undefined) };
    const original = fields[fieldName];
    if (typeof original !== 'function') throw new Error(`fallback declared for ${coordinate}, which has no resolver`);
    fields[fieldName] = async (source, args, context, info) => {
      try {
        return await original(source, args, context, info);
      } catch (error) {
        const failure = upstreamFailure(error);
        if (!failure) throw error;
        context.fallbacks.push({ field: coordinate, service: failure.service });
        return fallback();
      }
    };
    wrapped[typeName] = fields as GraphQLResolverMap<C>[string];
  }
  return wrapped;
}
