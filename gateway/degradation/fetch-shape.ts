import { Kind, parse, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/** One field a subgraph fetch asks for, as the response will key it. */
export interface FetchedField {
  /** The type the field is on, e.g. `Product` (root fields: `Query`). */
  readonly typeName: string;
  readonly fieldName: string;
  /** Alias if any, else the field name. */
  readonly responseKey: string;
  /** What the fetch selects below it (undefined for leaves). */
  readonly selection: SelectionSetNode | undefined;
}

/**
 * What one subgraph fetch asks for, read from the operation the query planner
 * wrote for it: root fields (`{ featuredProducts { … } }`), or entity fields
 * (`{ _entities(representations: $representations) { … on Product { … } } }`).
 */
export interface FetchShape {
  readonly operation: 'query' | 'mutation' | 'subscription';
  readonly kind: 'root' | 'entities';
  readonly fields: readonly FetchedField[];
  /** Named fragments of the operation, to expand spreads when projecting values. */
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

const ROOT_TYPE = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

/**
 * The planner writes a handful of operations per client operation and reuses
 * them for every request: parse each once. Bounded, as client operations are
 * (the query-plan cache holds their plans).
 */
const shapes = new LRUCache<string, FetchShape>({ max: 2000 });

/** Undefined for a text that does not parse: never from the query planner, and then nothing is degraded. */
export function fetchShapeOf(query: string): FetchShape | undefined {
  let shape = shapes.get(query);
  if (!shape) {
    try {
      shape = readShape(query);
    } catch {
      return undefined;
    }
    shapes.set(query, shape);
  }
  return shape;
}

function readShape(query: string): FetchShape {
  const document = parse(query, { noLocation: true });
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) throw new Error('a subgraph fetch without an operation');
  const rootType = ROOT_TYPE[operation.operation];
  const top = fieldsOf(operation.selectionSet, rootType, fragments);
  const entities = top.length === 1 && top[0]!.fieldName === '_entities' ? top[0]! : undefined;
  if (entities?.selection) {
    // Entity fields sit under `... on Type` fragments; a bare field there is on the interface `_Entity` (only __typename in practice).
    return { operation: operation.operation, kind: 'entities', fields: fieldsOf(entities.selection, '_Entity', fragments), fragments };
  }
  return { operation: operation.operation, kind: 'root', fields: top, fragments };
}

/** The fields of a selection set, with fragments expanded onto their type conditions. */
export function fieldsOf(selectionSet: SelectionSetNode, typeName: string, fragments: ReadonlyMap<string, FragmentDefinitionNode>): FetchedField[] {
  const out: FetchedField[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      out.push({ typeName, fieldName: selection.name.value, responseKey: selection.alias?.value ?? selection.name.value, selection: selection.selectionSet });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      out.push(...fieldsOf(selection.selectionSet, selection.typeCondition?.name.value ?? typeName, fragments));
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment) out.push(...fieldsOf(fragment.selectionSet, fragment.typeCondition.name.value, fragments));
    }
  }
  return out;
}
