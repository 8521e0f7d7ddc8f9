import { getNamedType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import stringify from 'safe-stable-stringify';
import type { SubgraphRequest } from './entity-cache.ts';
import { fetchShapeOf, typenameOf } from './fetch-shape.ts';

// Tags of what the entity cache stores and purges (docs/caching.md#invalidation).

/** `Product` → `product`, the tag of every entry holding a Product. */
export function typeTag(typename: string): string {
  return typename.charAt(0).toLowerCase() + typename.slice(1);
}

/**
 * Tag of one entity by its key fields (`product:prod-00042`): the `id` when the
 * key is a single id, else the key fields' stable JSON. Null when the value
 * has no typename or no key fields the gateway can read.
 */
export function entityTag(value: unknown): string | undefined {
  const typename = typenameOf(value);
  if (!typename) return undefined;
  const { __typename: _, ...fields } = value as Record<string, unknown>;
  const id = fields['id'];
  if (typeof id === 'string' || typeof id === 'number') return `${typeTag(typename)}:${id}`;
  return Object.keys(fields).length > 0 ? `${typeTag(typename)}:${stringify(fields)}` : undefined;
}

const MAX_TAGS = 500;

/**
 * Tags of an answer: the type and entity tags of every object in it with an
 * `id`, its type read from `__typename` or, where the planner did not ask for
 * it, from the schema (`type`: the type of `data` itself). Bounded: a huge
 * list is purged by its type tag instead.
 */
export function tagsOf(data: unknown, into: Set<string> = new Set(), schema?: GraphQLSchema, type?: string): Set<string> {
  const visit = (value: unknown, expected: string | undefined): void => {
    if (into.size >= MAX_TAGS || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, expected);
      return;
    }
    const record = value as Record<string, unknown>;
    const typename = typenameOf(record) ?? expected;
    if (typename && (typeof record['id'] === 'string' || typeof record['id'] === 'number')) {
      into.add(typeTag(typename));
      into.add(`${typeTag(typename)}:${record['id']}`);
    }
    const objectType = typename && schema ? schema.getType(typename) : undefined;
    const fields = objectType && (isObjectType(objectType) || isInterfaceType(objectType)) ? objectType.getFields() : undefined;
    for (const [name, child] of Object.entries(record)) {
      const field = fields?.[name];
      visit(child, field ? getNamedType(field.type).name : undefined);
    }
  };
  visit(data, type);
  return into;
}

/** Response name → the type each root field of a mutation returns (its named type in the API schema). */
export function changedTypes(fields: readonly { readonly responseName: string; readonly name: string }[], schema: GraphQLSchema): Map<string, string> {
  const mutation = schema.getMutationType()?.getFields();
  const types = new Map<string, string>();
  for (const { responseName, name } of fields) {
    const field = mutation?.[name];
    if (field) types.set(responseName, getNamedType(field.type).name);
  }
  return types;
}

/**
 * What a mutation changed: the objects its root fields return (`cart:cart-user-0005`),
 * by `id`, not the entities nested in them: adding a product to a cart changes
 * the cart, not the product, and purging every product of the cart would empty
 * the cache for nothing.
 */
export function changedTags(data: Record<string, unknown>, changed: ReadonlyMap<string, string>): string[] {
  const tags = new Set<string>();
  for (const [responseName, value] of Object.entries(data)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || typeof item !== 'object') continue;
      const record = item as Record<string, unknown>;
      const typename = typenameOf(record) ?? changed.get(responseName);
      const id = record['id'];
      if (typename && (typeof id === 'string' || typeof id === 'number')) tags.add(`${typeTag(typename)}:${id}`);
    }
  }
  return [...tags];
}

/**
 * Tags of a root-field answer: its subgraph (`subgraph:catalog`), its fields
 * (`query:featuredProducts`) and the entities in it (`product`, `product:prod-00042`).
 */
export function rootTags(subgraph: string, request: SubgraphRequest, data: unknown, schema: GraphQLSchema): Set<string> {
  const tags = new Set([`subgraph:${subgraph}`]);
  const shape = fetchShapeOf(request.query!);
  if (shape.kind === 'root') for (const field of shape.fields) tags.add(`query:${field}`);
  return tagsOf(data, tags, schema, schema.getQueryType()?.name);
}

/** Tags of an entity's answer: its subgraph, its type and key (from its representation), and the entities nested in it. */
export function addEntityTags(subgraph: string, representation: unknown, answer: unknown, into: Set<string>, schema: GraphQLSchema): Set<string> {
  into.add(`subgraph:${subgraph}`);
  const typename = typenameOf(representation);
  if (typename) into.add(typeTag(typename));
  const tag = entityTag(representation);
  if (tag) into.add(tag);
  return tagsOf(answer, into, schema, typename);
}
