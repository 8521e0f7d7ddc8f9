import {
  Kind,
  OperationTypeNode,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { MAX_NESTING, MUTATION_BASE_COST, createContext, enterOperation, isExcluded, operationsToCost, type CostContext, type CostOptions } from './context.ts';
import type { CostDirectives } from './directives.ts';
import { MAX_COST, addCost, clampCost, multiplyCost } from './numbers.ts';
import { fieldCallCost, inferredListSize, listSizeOf, typeWeight } from './weights.ts';

/** A size a parent's `@listSize(sizedFields:)` hands down to the named child fields (a connection's `nodes`). */
interface Sizing {
  readonly size: number;
  readonly fields: readonly string[];
}

interface Walk {
  readonly context: CostContext;
  /** Cost of each fragment, by name and sizing: a fragment spread 2^40 times is walked once. */
  readonly fragmentCosts: Map<string, number>;
  /** Fragments being walked: spreading one again is a cycle (invalid), which costs nothing more. */
  readonly activeFragments: Set<string>;
  /** Every list counts 1: how a `@requires` field set is costed (see fieldCost). */
  readonly listsOnce: boolean;
}

const newWalk = (context: CostContext, listsOnce: boolean): Walk => ({ context, fragmentCosts: new Map(), activeFragments: new Set(), listsOnce });

function rootType(schema: GraphQLSchema, operation: OperationTypeNode) {
  if (operation === OperationTypeNode.MUTATION) return schema.getMutationType();
  if (operation === OperationTypeNode.SUBSCRIPTION) return schema.getSubscriptionType();
  return schema.getQueryType();
}

function fieldCost(walk: Walk, node: FieldNode, parent: GraphQLCompositeType, sizing: Sizing | null, depth: number): number {
  const name = node.name.value;
  // `__typename` is free; `__schema` and `__type` are answered by the gateway
  // itself and, as in Router, not costed (introspection is on or off per profile).
  if (name.startsWith('__')) return 0;
  if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
  const definition = parent.getFields()[name];
  // An unknown field fails validation; it costs nothing here.
  if (!definition) return 0;

  const { context } = walk;
  const coordinate = `${parent.name}.${name}`;
  const listSize = context.directives.listSizes.get(coordinate);
  const ownSize = listSize ? listSizeOf(context, listSize, definition, node) : undefined;
  let count = 1;
  if (isListType(getNullableType(definition.type)) && !walk.listsOnce) {
    const handedDown = sizing?.fields.includes(name) ? sizing.size : undefined;
    count = handedDown ?? ownSize ?? (listSize ? undefined : inferredListSize(context, definition, node)) ?? context.defaultListSize;
  }

  const type = getNamedType(definition.type);
  const childSizing = listSize && listSize.sizedFields.length > 0 && ownSize !== undefined ? { size: ownSize, fields: listSize.sizedFields } : null;
  const children = node.selectionSet && isCompositeType(type) ? selectionSetCost(walk, node.selectionSet, type, childSizing, depth + 1) : 0;
  const perInstance = clampCost(typeWeight(context, type) + children);

  // `@requires`: the gateway fetches these sibling fields before resolving this
  // one, whether or not the client selected them (Router adds them the same way).
  // They are charged once per entity, every list in them counted 1: the field
  // set is one entity fetch per instance already multiplied by this field's
  // own count, and sizing its lists at the default charged `Cart.totals` for
  // 100 phantom cart lines on top of the lines the client selected.
  const required = context.directives.requires.get(coordinate);
  const requirements = required ? selectionSetCost(walk.listsOnce ? walk : newWalk(context, true), required, parent, null, depth + 1) : 0;

  return addCost(addCost(fieldCallCost(context, coordinate, definition, node), multiplyCost(count, perInstance)), requirements);
}

function spreadCost(walk: Walk, name: string, sizing: Sizing | null, depth: number): number {
  const fragment = walk.context.fragments.get(name);
  const type = fragment && walk.context.schema.getType(fragment.typeCondition.name.value);
  if (!fragment || !isCompositeType(type)) return 0;
  const key = sizing ? `${name}\u0000${sizing.size}\u0000${sizing.fields.join(',')}` : name;
  const known = walk.fragmentCosts.get(key);
  if (known !== undefined) return known;
  if (walk.activeFragments.has(name)) return 0;
  walk.activeFragments.add(name);
  const cost = selectionSetCost(walk, fragment.selectionSet, type, sizing, depth + 1);
  walk.activeFragments.delete(name);
  walk.fragmentCosts.set(key, cost);
  return cost;
}

/**
 * Sum of the selections, as Router sums them: every field counts, aliased or
 * repeated, and fragments on different types of an interface or union all
 * count (an upper bound: at run time an object matches only some of them).
 */
function selectionSetCost(walk: Walk, selectionSet: SelectionSetNode, parent: GraphQLCompositeType, sizing: Sizing | null, depth: number): number {
  if (depth > MAX_NESTING) return MAX_COST;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (isExcluded(walk.context, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      cost = addCost(cost, fieldCost(walk, selection, parent, sizing, depth));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.context.schema.getType(selection.typeCondition.name.value) : parent;
      if (isCompositeType(type)) cost = addCost(cost, selectionSetCost(walk, selection.selectionSet, type, sizing, depth + 1));
    } else {
      cost = addCost(cost, spreadCost(walk, selection.name.value, sizing, depth));
    }
  }
  return cost;
}

/**
 * Estimated cost of an operation before it runs, following Apollo Router's
 * demand control (static_estimated), computed on the client's operation:
 *
 *   operation = 10 for a mutation, 0 otherwise, + its root selections
 *   field     = call + count × (type weight + selections) + @requires selections
 *
 * where call is the field's `@cost` (default 0) plus its arguments' costs;
 * count is 1, or for a list the slicing argument's value, `assumedSize`, a size
 * handed down by the parent's `sizedFields`, or `defaultListSize`; and the type
 * weight is the returned type's `@cost`, else 1 for objects, interfaces and
 * unions and 0 for scalars and enums. See docs/cost.md.
 *
 * Pure and total: any document (unvalidated, cyclic, 10,000 aliases, huge
 * `first:`) yields a number in [0, Number.MAX_SAFE_INTEGER] in time linear in
 * the document and the variables.
 */
export function estimateCost(schema: GraphQLSchema, directives: CostDirectives, document: DocumentNode, options: CostOptions = {}): number {
  const context = createContext(schema, directives, document, options);
  let total = 0;
  for (const operation of operationsToCost(document, options.operationName)) {
    const root = rootType(schema, operation.operation);
    if (!root) continue;
    enterOperation(context, operation);
    const walk = newWalk(context, false);
    const base = operation.operation === OperationTypeNode.MUTATION ? MUTATION_BASE_COST : 0;
    total = addCost(total, addCost(base, selectionSetCost(walk, operation.selectionSet, root, null, 0)));
  }
  return total;
}
