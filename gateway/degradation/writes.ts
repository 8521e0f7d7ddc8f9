import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GraphQLError } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import { isServiceFailure } from '../plugins/completeness.ts';
import { fetchShapeOf } from './fetch-shape.ts';

/** A subgraph fetch that runs a mutation (the gateway never retries one, and never stands in for one). */
export function isWrite(request: GraphQLDataSourceProcessOptions['request']): boolean {
  return request.query !== undefined && fetchShapeOf(request.query)?.operation === 'mutation';
}

/**
 * A write whose fetch failed may have been applied: a timeout, a reset or a
 * 5xx can all come after the subgraph did the work. The client is told
 * `extensions.outcome: "unknown"` so that it retries with the same
 * Idempotency-Key instead of guessing; saying "unknown" when it was not
 * applied costs one harmless retry. Only an open breaker is known not to have
 * sent anything.
 */
export function writeMayHaveLanded(error: GraphQLError): boolean {
  const code = error.extensions['code'];
  return code !== ErrorCode.SUBGRAPH_CIRCUIT_OPEN && isServiceFailure(code);
}
