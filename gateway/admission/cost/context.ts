import {
  Kind,
  valueFromASTUntyped,
  type ConstValueNode,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { CostDirectives } from './directives.ts';

/**
 * List size for a list field without `@listSize` and without a slicing
 * argument (Apollo Router's `demand_control.strategy.static_estimated.list_size`,
 * which has no default there). Our own schema sizes every list, so this only
 * prices other teams' graphs: at 100, two nested unannotated lists estimated
 * 10,000 and three 1,000,000, refusing ordinary operations whose actual cost
 * was in the hundreds. At 10, three nested lists estimate ~1,110 and five
 * ~111,110: ordinary nesting passes a 5,000 maximum and deep fan-out does not.
 */
export const DEFAULT_LIST_SIZE = 10;

/**
 * Arguments read as slicing arguments of a list field that has no `@listSize`
 * (Relay's `first`/`last`, the common `limit`): a client asking for
 * `limit: 1000` is charged 1,000, not the default size. A field with
 * `@listSize` is sized only as declared.
 */
export const INFERRED_SLICING_ARGUMENTS: readonly string[] = ['first', 'last', 'limit'];

/** Base cost of a mutation operation, as Router charges it (queries and subscriptions: 0). */
export const MUTATION_BASE_COST = 10;

/**
 * Nesting (fields plus fragment spreads) past which an operation is costed
 * MAX_COST instead of walked further: the walk is recursive, and no real
 * operation comes near (Router's parser refuses 500 levels of brackets).
 */
export const MAX_NESTING = 500;

export interface CostOptions {
  /** The operation to cost. Without it, a document's only operation; with several, all of them are summed (as Router does). */
  readonly operationName?: string | null;
  /** The request's variables, as sent (not yet coerced). */
  readonly variables?: Readonly<Record<string, unknown>> | null;
  /** Size of lists without `@listSize` or an inferred slicing argument. Default DEFAULT_LIST_SIZE (10). */
  readonly defaultListSize?: number;
  /**
   * Called by actualCost with each list's length as returned, by field
   * coordinate (`Product.images`): the observations `npm run cost:suggest`
   * turns into `@listSize` annotations. Not called by estimateCost.
   */
  readonly onListSize?: (coordinate: string, size: number) => void;
  /** Called with the name of each variable the walk reads: what an estimate depends on (memo.ts). */
  readonly onVariableRead?: (name: string) => void;
}

/** What one costing pass reads, built once per call; the memo maps make hostile documents linear. */
export interface CostContext {
  readonly schema: GraphQLSchema;
  readonly directives: CostDirectives;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly variableDefaults: Map<string, ConstValueNode>;
  readonly defaultListSize: number;
  readonly onListSize: ((coordinate: string, size: number) => void) | undefined;
  readonly onVariableRead: ((name: string) => void) | undefined;
  /** Cost of a variable's value in one argument position, by variable, type and weight. */
  readonly variableMemo: Map<string, number>;
  /** Weight of an interface or union: the heaviest of its possible types. */
  readonly abstractWeights: Map<string, number>;
}

export function createContext(schema: GraphQLSchema, directives: CostDirectives, document: DocumentNode, options: CostOptions): CostContext {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    // The first definition of a name wins; a duplicate is a validation error anyway.
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(definition.name.value)) fragments.set(definition.name.value, definition);
  }
  const size = options.defaultListSize;
  return {
    schema,
    directives,
    fragments,
    variables: options.variables ?? {},
    variableDefaults: new Map(),
    defaultListSize: size !== undefined && Number.isFinite(size) && size >= 0 ? Math.ceil(size) : DEFAULT_LIST_SIZE,
    onListSize: options.onListSize,
    onVariableRead: options.onVariableRead,
    variableMemo: new Map(),
    abstractWeights: new Map(),
  };
}

/** The operations to cost: the named one (none if absent), else the only one, else all. */
export function operationsToCost(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode[] {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.filter((o) => o.name?.value === operationName).slice(0, 1);
  return operations;
}

/** Makes an operation's variable defaults (`$first: Int = 50`) visible to the walk. */
export function enterOperation(context: CostContext, operation: OperationDefinitionNode): void {
  context.variableDefaults.clear();
  context.variableMemo.clear();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) context.variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
}

/** A variable's value: as sent, else its default in the operation, else undefined (not provided). */
export function variableValue(context: CostContext, name: string): unknown {
  context.onVariableRead?.(name);
  if (Object.hasOwn(context.variables, name)) return context.variables[name];
  const fallback = context.variableDefaults.get(name);
  return fallback === undefined ? undefined : valueFromASTUntyped(fallback);
}

function condition(context: CostContext, directive: DirectiveNode | undefined): boolean | undefined {
  const value = directive?.arguments?.find((a) => a.name.value === 'if')?.value;
  if (value?.kind === Kind.BOOLEAN) return value.value;
  if (value?.kind === Kind.VARIABLE) {
    const resolved = variableValue(context, value.name.value);
    return typeof resolved === 'boolean' ? resolved : undefined;
  }
  return undefined;
}

/**
 * True when `@skip(if: true)` or `@include(if: false)` removes a field or
 * fragment, with literals or variables. A condition we cannot read (a missing
 * or non-boolean variable, which validation rejects) keeps the selection: the
 * estimate errs high, never low.
 */
export function isExcluded(context: CostContext, node: { readonly directives?: readonly DirectiveNode[] | undefined }): boolean {
  if (!node.directives?.length) return false;
  const skip = condition(context, node.directives.find((d) => d.name.value === 'skip'));
  const include = condition(context, node.directives.find((d) => d.name.value === 'include'));
  return skip === true || include === false;
}
