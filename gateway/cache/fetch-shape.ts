import { createHash } from 'node:crypto';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import stringify from 'safe-stable-stringify';

/**
 * What kind of subgraph fetch a query plan node sends, decided from its text
 * alone (pure; memoised per text, since a plan sends the same few texts):
 * - `entities`: `_entities(representations: $representations)` and nothing else,
 *   cached per representation;
 * - `root`: a query of root fields, cached as one answer;
 * - `mutation`: never cached; what it returns is invalidated;
 * - `other`: subscriptions, several operations, anything unexpected: passed through.
 */
export type FetchShape =
  | { readonly kind: 'entities'; readonly variable: string }
  | { readonly kind: 'root'; readonly fields: readonly string[] }
  | { readonly kind: 'mutation'; readonly fields: readonly { readonly responseName: string; readonly name: string }[] }
  | { readonly kind: 'other' };

const shapes = new LRUCache<string, FetchShape>({ max: 2000 });

export function fetchShapeOf(query: string): FetchShape {
  let shape = shapes.get(query);
  if (!shape) {
    shape = classify(query);
    shapes.set(query, shape);
  }
  return shape;
}

function classify(query: string): FetchShape {
  let operation: OperationDefinitionNode | undefined;
  try {
    const document = parse(query, { noLocation: true });
    if (document.definitions.length !== 1 || document.definitions[0]!.kind !== Kind.OPERATION_DEFINITION) return { kind: 'other' };
    operation = document.definitions[0];
  } catch {
    return { kind: 'other' };
  }
  const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s] : []));
  if (operation.operation === 'mutation') return { kind: 'mutation', fields: fields.map((f) => ({ responseName: f.alias?.value ?? f.name.value, name: f.name.value })) };
  if (operation.operation !== 'query') return { kind: 'other' };
  if (fields.length !== operation.selectionSet.selections.length) return { kind: 'other' };
  if (fields.length === 1 && fields[0]!.name.value === '_entities') {
    const argument = fields[0]!.arguments?.find((a) => a.name.value === 'representations');
    if (argument?.value.kind !== Kind.VARIABLE || fields[0]!.alias) return { kind: 'other' };
    return { kind: 'entities', variable: argument.value.name.value };
  }
  // Introspection and _service are the gateway's own business, never cached.
  if (fields.some((f) => f.name.value.startsWith('_'))) return { kind: 'other' };
  return { kind: 'root', fields: fields.map((f) => f.name.value) };
}

const sha = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Everything a fetch's answer depends on besides the representations: the
 * subgraph, the operation text (its selection and arguments) and every other
 * variable, in a key order that does not depend on how the client wrote them.
 * The identity is deliberately absent: only public answers are ever stored.
 */
export function operationKey(subgraph: string, query: string, variables: Readonly<Record<string, unknown>> | undefined, except?: string): string {
  const rest = except && variables ? { ...variables, [except]: undefined } : variables ?? {};
  return sha(`${subgraph}\n${query}\n${stringify(rest)}`);
}

/** Key of one entity's answer: readable prefix for operators, then a hash of what it depends on. */
export function entityKey(subgraph: string, representation: unknown, operation: string): string {
  return `e:${subgraph}:${typenameOf(representation) ?? '?'}:${sha(`${stringify(representation)}\n${operation}`)}`;
}

export function rootKey(subgraph: string, operation: string): string {
  return `r:${subgraph}:${operation}`;
}

export function typenameOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const typename = (value as Record<string, unknown>)['__typename'];
  return typeof typename === 'string' ? typename : undefined;
}
