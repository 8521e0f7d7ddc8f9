/**
 * Per-field cost analysis (IBM GraphQL cost spec, as Apollo Router's demand
 * control applies it). Pure functions of (API schema, directives read from the
 * supergraph, document, variables): see docs/cost.md.
 */
export { actualCost } from './actual.ts';
export { DEFAULT_LIST_SIZE, INFERRED_SLICING_ARGUMENTS, MUTATION_BASE_COST, MAX_NESTING, type CostOptions } from './context.ts';
export { readCostDirectives, type CostDirectives, type ListSize } from './directives.ts';
export { estimateCost } from './estimate.ts';
export { MAX_COST } from './numbers.ts';
export { unsizedListFields, type UnsizedListField } from './unsized.ts';
