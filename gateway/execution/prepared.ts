import type { OperationContext } from '@apollo/gateway/dist/operationContext.js';
import { operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import { GraphQLError, Kind } from 'graphql';
import { compileShaper, type Shaper } from './shape.ts';

/**
 * What executing a plan needs of its operation beyond the plan: the
 * federation operation (variable definitions for Condition nodes) and the
 * compiled result shaper. Apollo's executor builds the operation again for
 * every request (~130 µs for the heavy page); here it is built once per plan.
 * Plans come out of the gateway's plan cache as the same objects until the
 * cache evicts them or the supergraph changes, so a WeakMap keyed by the plan
 * lives exactly as long as they do.
 */
export type Prepared = { readonly operation: Operation; readonly shaper: Shaper } | { readonly error: GraphQLError };

const preparedByPlan = new WeakMap<QueryPlan, Prepared>();

export function prepare(plan: QueryPlan, apiSchema: Schema, operationContext: OperationContext): Prepared {
  const known = preparedByPlan.get(plan);
  if (known) return known;
  let operation: Operation;
  try {
    operation = operationFromDocument(apiSchema, { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] }, { validate: false });
  } catch (error) {
    // Not remembered: the error object goes out to the client, and such documents are rare.
    if (error instanceof GraphQLError) return { error };
    throw error;
  }
  const prepared = { operation, shaper: compileShaper(operation) };
  preparedByPlan.set(plan, prepared);
  return prepared;
}
