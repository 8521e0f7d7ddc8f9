import { Kind, parse, type ConstDirectiveNode, type FieldDefinitionNode, type ObjectTypeDefinitionNode } from 'graphql';
import type { SchemaChange } from './types.ts';

export const CROSS_SUBGRAPH_NON_NULL = 'NON_NULL_FIELD_FROM_OTHER_SUBGRAPH';

const ROOT_TYPES = new Set(['Query']);
// Mutations are all-or-nothing by nature, and a subscription has one root field.
const SKIPPED_TYPES = new Set(['Mutation', 'Subscription']);

function argument(directive: ConstDirectiveNode, name: string): string | boolean | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  if (value?.kind === Kind.ENUM || value?.kind === Kind.STRING) return value.value;
  if (value?.kind === Kind.BOOLEAN) return value.value;
  return undefined;
}

const directivesNamed = (node: { directives?: readonly ConstDirectiveNode[] }, name: string) => (node.directives ?? []).filter((d) => d.name.value === name);

/** Subgraphs that resolve a field (not merely declare it @external). */
function resolversOf(field: FieldDefinitionNode, typeGraphs: readonly string[]): string[] {
  const joins = directivesNamed(field, 'join__field');
  if (joins.length === 0) return [...typeGraphs];
  return joins.filter((d) => argument(d, 'external') !== true && typeof argument(d, 'graph') === 'string').map((d) => argument(d, 'graph') as string);
}

/**
 * Non-null fields that one subgraph resolves on a type another subgraph owns
 * (the one resolving most of its fields), or at the root of a query: when that
 * subgraph fails, GraphQL's null propagation nulls the parent, so one
 * subgraph's outage takes another's data with it (a promotions outage nulled
 * the signed-in user through `Product.promotions: [Promotion!]!`). A field the
 * gateway holds a fallback for is safe: a fallback, not a null, stands in.
 * Pure: the supergraph SDL and the declared optional fields in, findings out.
 */
export function crossSubgraphNonNullFields(supergraphSdl: string, optionalFields: Readonly<Record<string, unknown>>): SchemaChange[] {
  const document = parse(supergraphSdl, { noLocation: true });
  const graphNames = new Map<string, string>();
  for (const d of document.definitions) {
    if (d.kind !== Kind.ENUM_TYPE_DEFINITION || d.name.value !== 'join__Graph') continue;
    for (const value of d.values ?? []) {
      const name = directivesNamed(value, 'join__graph').map((j) => argument(j, 'name'))[0];
      graphNames.set(value.name.value, typeof name === 'string' ? name : value.name.value.toLowerCase());
    }
  }
  const nameOf = (graph: string) => graphNames.get(graph) ?? graph.toLowerCase();
  const findings: SchemaChange[] = [];
  for (const type of document.definitions) {
    if (type.kind !== Kind.OBJECT_TYPE_DEFINITION || SKIPPED_TYPES.has(type.name.value)) continue;
    const typeGraphs = directivesNamed(type, 'join__type').map((d) => argument(d, 'graph')).filter((g): g is string => typeof g === 'string');
    if (typeGraphs.length < 2) continue;
    const owner = ROOT_TYPES.has(type.name.value) ? undefined : ownerOf(type, typeGraphs);
    for (const field of type.fields ?? []) {
      if (field.type.kind !== Kind.NON_NULL_TYPE || directivesNamed(field, 'inaccessible').length > 0) continue;
      const coordinate = `${type.name.value}.${field.name.value}`;
      const resolvers = resolversOf(field, typeGraphs);
      if (resolvers.length === 0 || (owner !== undefined && resolvers.includes(owner)) || coordinate in optionalFields) continue;
      const by = resolvers.map(nameOf).join(', ');
      const reason = owner === undefined
        ? `when ${by} fails, the null propagates to the root: data is null and every other subgraph's root fields of the operation are lost; declare a fallback or make it nullable`
        : `when ${by} fails, the null propagates to the ${type.name.value} that ${nameOf(owner)} resolved and removes it; declare a fallback (degradation.optionalFields) or make it nullable`;
      findings.push({ kind: 'schema', severity: 'DANGEROUS', type: CROSS_SUBGRAPH_NON_NULL, path: coordinate, message: owner === undefined
        ? `Non-null root field '${coordinate}' is resolved by ${by} alone and has no fallback`
        : `Non-null field '${coordinate}' is resolved by ${by}, not by ${nameOf(owner)} which owns '${type.name.value}', and has no fallback`, reason });
    }
  }
  return findings;
}

/** The subgraph resolving most of a type's fields (ties: the first declared). */
function ownerOf(type: ObjectTypeDefinitionNode, typeGraphs: readonly string[]): string | undefined {
  const counts = new Map<string, number>(typeGraphs.map((g) => [g, 0]));
  for (const field of type.fields ?? []) for (const g of resolversOf(field, typeGraphs)) counts.set(g, (counts.get(g) ?? 0) + 1);
  let best: string | undefined;
  for (const [graph, count] of counts) if (best === undefined || count > counts.get(best)!) best = graph;
  return best;
}
