import {
  GraphQLError,
  Kind,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  parse,
  type ConstDirectiveNode,
  type ConstValueNode,
  type SelectionSetNode,
} from 'graphql';
import { findLinkedSpec } from './link-names.ts';

/** `@listSize` on one field definition. */
export interface ListSize {
  /** Elements assumed when no slicing argument gives a size; null when not set. */
  readonly assumedSize: number | null;
  /** Arguments whose value is the list's length (`first`), or paths into input objects (`page.first`). */
  readonly slicingArguments: readonly string[];
  /** Child fields the slicing argument sizes instead of this field (`nodes`, `edges` of a connection). */
  readonly sizedFields: readonly string[];
  /** The spec's default is true. Recorded, not enforced: see docs/cost.md. */
  readonly requireOneSlicingArgument: boolean;
}

/**
 * The demand-control directives of a supergraph, keyed by schema coordinate.
 * The API schema the gateway serves has them stripped, so they are read from
 * the supergraph SDL once per schema load, and estimation only reads these maps.
 */
export interface CostDirectives {
  /** `@cost` on field definitions, by `Type.field`: charged once per resolution of the field. */
  readonly fieldWeights: ReadonlyMap<string, number>;
  /** `@cost` on field arguments, by `Type.field(arg:)`. */
  readonly argumentWeights: ReadonlyMap<string, number>;
  /** `@cost` on input object fields, by `Input.field`. */
  readonly inputFieldWeights: ReadonlyMap<string, number>;
  /** `@cost` on objects, scalars and enums, by type name: charged per instance returned. */
  readonly typeWeights: ReadonlyMap<string, number>;
  /** `@listSize`, by `Type.field`. */
  readonly listSizes: ReadonlyMap<string, ListSize>;
  /** Federation `@requires` field sets (from `@join__field(requires:)`), by `Type.field`: what the gateway fetches first. */
  readonly requires: ReadonlyMap<string, SelectionSetNode>;
  /** The local directive names found, e.g. `{ cost: "cost", listSize: "listSize" }`; null when the schema links no cost spec. */
  readonly names: { readonly cost: string; readonly listSize: string } | null;
}

const COST_SPEC = 'https://specs.apollo.dev/cost';
// A subgraph SDL links the federation spec instead; accepting it lets a
// subgraph's own schema be costed with the same code (Router does the same).
const FEDERATION_SPEC = 'https://specs.apollo.dev/federation';
const JOIN_SPEC = 'https://specs.apollo.dev/join';

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

/** The cost spec types `weight` as Int!; the IBM spec as a String ("2.0"). Accept both. */
function weightOf(directive: ConstDirectiveNode): number | undefined {
  const value = argument(directive, 'weight');
  if (value?.kind !== Kind.INT && value?.kind !== Kind.FLOAT && value?.kind !== Kind.STRING) return undefined;
  const weight = Number(value.value);
  return Number.isFinite(weight) ? weight : undefined;
}

function strings(value: ConstValueNode | undefined): string[] {
  const items = value?.kind === Kind.LIST ? value.values : value ? [value] : [];
  return items.flatMap((item) => (item.kind === Kind.STRING ? [item.value] : []));
}

function listSizeOf(directive: ConstDirectiveNode): ListSize {
  const assumed = argument(directive, 'assumedSize');
  const requireOne = argument(directive, 'requireOneSlicingArgument');
  return {
    assumedSize: assumed?.kind === Kind.INT && Number(assumed.value) >= 0 ? Number(assumed.value) : null,
    slicingArguments: strings(argument(directive, 'slicingArguments')),
    sizedFields: strings(argument(directive, 'sizedFields')),
    requireOneSlicingArgument: requireOne?.kind === Kind.BOOLEAN ? requireOne.value : true,
  };
}

function fieldSet(source: string): SelectionSetNode | undefined {
  try {
    const document = parse(`{ ${source} }`, { noLocation: true });
    const [definition] = document.definitions;
    return definition?.kind === Kind.OPERATION_DEFINITION ? definition.selectionSet : undefined;
  } catch (error) {
    // A field set that does not parse would not have composed; costing goes on without it.
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
}

/**
 * Reads `@cost`, `@listSize` and `@join__field(requires:)` from a supergraph SDL,
 * under whatever names its `@link`s give them (`@cost`, `@federation__cost`,
 * an import alias). Throws a GraphQLError only when the SDL does not parse.
 */
export function readCostDirectives(supergraphSdl: string): CostDirectives {
  const document = parse(supergraphSdl, { noLocation: true });
  const costSpec = findLinkedSpec(document, COST_SPEC) ?? findLinkedSpec(document, FEDERATION_SPEC);
  const names = costSpec ? { cost: costSpec.directiveName('cost'), listSize: costSpec.directiveName('listSize') } : null;
  const joinField = findLinkedSpec(document, JOIN_SPEC)?.directiveName('field');

  const fieldWeights = new Map<string, number>();
  const argumentWeights = new Map<string, number>();
  const inputFieldWeights = new Map<string, number>();
  const typeWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const requires = new Map<string, SelectionSetNode>();

  const weight = (directives: readonly ConstDirectiveNode[] | undefined): number | undefined => {
    const directive = names && directives?.find((d) => d.name.value === names.cost);
    return directive ? weightOf(directive) : undefined;
  };

  for (const definition of document.definitions) {
    if (!isTypeDefinitionNode(definition) && !isTypeExtensionNode(definition)) continue;
    const typeName = definition.name.value;
    const typeWeight = weight(definition.directives);
    if (typeWeight !== undefined) typeWeights.set(typeName, typeWeight);
    if (!('fields' in definition)) continue;

    for (const field of definition.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      const fieldWeight = weight(field.directives);
      if (field.kind === Kind.INPUT_VALUE_DEFINITION) {
        if (fieldWeight !== undefined) inputFieldWeights.set(coordinate, fieldWeight);
        continue;
      }
      if (fieldWeight !== undefined) fieldWeights.set(coordinate, fieldWeight);
      for (const arg of field.arguments ?? []) {
        const argWeight = weight(arg.directives);
        if (argWeight !== undefined) argumentWeights.set(`${coordinate}(${arg.name.value}:)`, argWeight);
      }
      for (const directive of field.directives ?? []) {
        if (names && directive.name.value === names.listSize) listSizes.set(coordinate, listSizeOf(directive));
        if (directive.name.value !== joinField) continue;
        const required = argument(directive, 'requires');
        const selection = required?.kind === Kind.STRING ? fieldSet(required.value) : undefined;
        if (selection) requires.set(coordinate, selection);
      }
    }
  }
  return { fieldWeights, argumentWeights, inputFieldWeights, typeWeights, listSizes, requires, names };
}
