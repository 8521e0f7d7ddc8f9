import { getNamedType, getNullableType, isInterfaceType, isLeafType, isListType, isObjectType, type GraphQLSchema } from 'graphql';
import type { CostDirectives } from './directives.ts';
import { inferredSlicingArguments } from './weights.ts';

/** A list field the schema does not size with `@listSize`. */
export interface UnsizedListField {
  /** `Type.field`. */
  readonly coordinate: string;
  /** The arguments read as its slicing arguments (`first`, `last`, `limit`), empty when it is costed at the default size. */
  readonly inferredSlicingArguments: readonly string[];
}

/**
 * The list fields of the API schema without `@listSize`: each is costed at
 * the default list size, or by an inferred slicing argument. The gateway
 * lists them in a warning at every schema load, so a team running it on its
 * own graph knows which estimates are guesses (and `npm run cost:suggest`
 * says what to write). Introspection types are not listed, nor lists of
 * scalars and enums without `@cost`, whose size costs nothing.
 */
export function unsizedListFields(schema: GraphQLSchema, directives: CostDirectives): UnsizedListField[] {
  const unsized: UnsizedListField[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (!isObjectType(type) && !isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      if (!isListType(getNullableType(field.type)) || directives.listSizes.has(coordinate)) continue;
      // A list of scalars or enums without @cost costs 0 per item: its size changes no estimate.
      const itemType = getNamedType(field.type);
      if (isLeafType(itemType) && !directives.typeWeights.has(itemType.name)) continue;
      unsized.push({ coordinate, inferredSlicingArguments: inferredSlicingArguments(field).map((a) => a.name) });
    }
  }
  return unsized.sort((a, b) => a.coordinate.localeCompare(b.coordinate));
}
