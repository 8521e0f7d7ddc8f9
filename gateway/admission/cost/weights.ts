import { getNamedType, isAbstractType, isCompositeType, type GraphQLArgument, type GraphQLField, type GraphQLNamedType, type FieldNode } from 'graphql';
import { INFERRED_SLICING_ARGUMENTS, type CostContext } from './context.ts';
import type { ListSize } from './directives.ts';
import { argumentsCost, slicingSize } from './inputs.ts';
import { clampCost } from './numbers.ts';

/**
 * Cost of one instance of a type: its `@cost`, else 1 for objects, interfaces
 * and unions, 0 for scalars and enums. An interface or union (which `@cost`
 * cannot annotate) weighs as its heaviest possible type, as Router does.
 */
export function typeWeight(context: CostContext, type: GraphQLNamedType): number {
  const own = context.directives.typeWeights.get(type.name);
  if (own !== undefined) return own;
  if (!isCompositeType(type)) return 0;
  if (!isAbstractType(type)) return 1;
  let weight = context.abstractWeights.get(type.name);
  if (weight === undefined) {
    const possible = context.schema.getPossibleTypes(type).map((t) => context.directives.typeWeights.get(t.name) ?? 1);
    weight = possible.length > 0 ? Math.max(...possible) : 1;
    context.abstractWeights.set(type.name, weight);
  }
  return weight;
}

/**
 * Cost of resolving a field once, whatever it returns: its `@cost` (default 0)
 * plus its arguments' costs, never below 0. Charged once per resolution, not per
 * list element (the IBM spec's field cost; Router since PR #9852).
 */
export function fieldCallCost(context: CostContext, coordinate: string, definition: GraphQLField<unknown, unknown>, node: FieldNode): number {
  const weight = context.directives.fieldWeights.get(coordinate) ?? 0;
  return clampCost(weight + argumentsCost(context, coordinate, definition, node.arguments));
}

/**
 * The size `@listSize` gives a field as written: the largest of its slicing
 * arguments that has a value, else `assumedSize`; undefined when neither does.
 */
export function listSizeOf(context: CostContext, listSize: ListSize, definition: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
  let size: number | undefined;
  for (const path of listSize.slicingArguments) {
    const value = slicingSize(context, path, definition.args, node.arguments);
    if (value !== undefined) size = Math.max(size ?? 0, value);
  }
  return size ?? listSize.assumedSize ?? undefined;
}

/**
 * The size of a list field without `@listSize`, from the arguments commonly
 * used to slice (`first`, `last`, `limit`) when the field has them as Int:
 * the largest that has a value; undefined when none does (the default size applies).
 */
export function inferredListSize(context: CostContext, definition: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
  let size: number | undefined;
  for (const argument of inferredSlicingArguments(definition)) {
    const value = slicingSize(context, argument.name, definition.args, node.arguments);
    if (value !== undefined) size = Math.max(size ?? 0, value);
  }
  return size;
}

/** The field's arguments read as slicing arguments when it has no `@listSize`: `first`, `last` and `limit` of type Int. */
export function inferredSlicingArguments(definition: GraphQLField<unknown, unknown>): readonly GraphQLArgument[] {
  return definition.args.filter((a) => INFERRED_SLICING_ARGUMENTS.includes(a.name) && getNamedType(a.type).name === 'Int');
}
