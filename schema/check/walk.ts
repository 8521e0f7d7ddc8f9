import {
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** One field selection of an operation, as the schema it was walked against sees it. */
export interface SelectedField {
  readonly node: FieldNode;
  /** The type the field is selected on (object or interface), or undefined if the schema does not know it. */
  readonly parentType: GraphQLNamedType | undefined;
  readonly fieldDef: GraphQLField<unknown, unknown> | undefined;
  /** Response path from the operation root (aliases as sent), e.g. `product.price.effectivePrice`; inside a fragment, `...Name.field`. */
  readonly responsePath: string;
}

/**
 * Calls `onField` for every field selection in `document`, with the field's
 * definition in `schema` (graphql-js's TypeInfo does the type tracking). Pure.
 * Meta fields (`__typename`) are skipped: they exist in every schema.
 */
export function walkFields(schema: GraphQLSchema, document: DocumentNode, onField: (field: SelectedField) => void): void {
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition: { enter: () => void (path.length = 0) },
      FragmentDefinition: {
        enter: (node) => {
          path.length = 0;
          path.push(`...${node.name.value}`);
        },
      },
      Field: {
        enter(node) {
          path.push(node.alias?.value ?? node.name.value);
          if (node.name.value.startsWith('__')) return;
          onField({ node, parentType: typeInfo.getParentType() ?? undefined, fieldDef: typeInfo.getFieldDef() ?? undefined, responsePath: path.join('.') });
        },
        leave: () => void path.pop(),
      },
    }),
  );
}

/** The field whose selection contains `offset` most closely: maps a validation error's location to a response path. */
export function fieldAt(fields: readonly SelectedField[], offset: number): SelectedField | undefined {
  let best: SelectedField | undefined;
  for (const field of fields) {
    const loc = field.node.loc;
    if (!loc || offset < loc.start || offset >= loc.end) continue;
    if (!best || loc.start >= (best.node.loc?.start ?? 0)) best = field;
  }
  return best;
}
