import {
  Kind,
  OperationTypeNode,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type GraphQLNamedType,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MAX_NESTING, MUTATION_BASE_COST, createContext, enterOperation, isExcluded, operationsToCost, type CostContext, type CostOptions } from './context.ts';
import type { CostDirectives } from './directives.ts';
import { MAX_COST, addCost, clampCost } from './numbers.ts';
import { fieldCallCost, typeWeight } from './weights.ts';

/** The fields of one response key, and the type they were selected on (for an unknown runtime type). */
interface FieldGroup {
  readonly nodes: FieldNode[];
  readonly scope: GraphQLCompositeType;
}

/** Fields by response key, as GraphQL execution groups them (`CollectFields`). */
type FieldGroups = Map<string, FieldGroup>;

interface Walk {
  readonly context: CostContext;
  /** Groupings by the field nodes they came from and the runtime type: every item of a list shares one. */
  readonly groupings: WeakMap<readonly FieldNode[] | SelectionSetNode, Map<string, FieldGroups>>;
  /** The fields to cost by group and runtime type (stepsFor). */
  readonly steps: WeakMap<FieldGroups, Map<string, readonly FieldStep[]>>;
  /**
   * typeWeight by type, looked up once per walk: it asks graphql-js's
   * isCompositeType/isAbstractType, whose instanceOf checks are slow outside
   * production mode, and the walk wants a weight for every object returned.
   */
  readonly weights: Map<GraphQLNamedType, number>;
}

function weightOf(walk: Walk, type: GraphQLNamedType): number {
  let weight = walk.weights.get(type);
  if (weight === undefined) walk.weights.set(type, (weight = typeWeight(walk.context, type)));
  return weight;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Groups the selections that apply to an object of `runtime` type by response
 * key, honouring @skip/@include. `runtime` null means the object's type is
 * unknown (an interface or union without `__typename` in the response): every
 * type condition is then taken to apply. Iterative, and each fragment is
 * entered once, as execution does, so cycles and long chains are harmless.
 */
function collectFields(walk: Walk, declared: GraphQLCompositeType, runtime: GraphQLObjectType | null, selectionSets: readonly SelectionSetNode[]): FieldGroups {
  const { schema, fragments } = walk.context;
  const conditionType = (typeName: string | undefined, scope: GraphQLCompositeType): GraphQLCompositeType | undefined => {
    const condition = typeName === undefined ? scope : schema.getType(typeName);
    if (!isCompositeType(condition)) return undefined;
    if (runtime === null || condition === runtime) return condition;
    return isAbstractType(condition) && schema.isSubType(condition, runtime) ? condition : undefined;
  };
  const groups: FieldGroups = new Map();
  const visited = new Set<string>();
  const pending = selectionSets.map((set) => ({ set, scope: declared }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const selection of next.set.selections) {
      if (isExcluded(walk.context, selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const group = groups.get(key);
        if (group) group.nodes.push(selection);
        else groups.set(key, { nodes: [selection], scope: next.scope });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const scope = conditionType(selection.typeCondition?.name.value, next.scope);
        if (scope) pending.push({ set: selection.selectionSet, scope });
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        const scope = fragment && conditionType(fragment.typeCondition.name.value, next.scope);
        if (fragment && scope) pending.push({ set: fragment.selectionSet, scope });
      }
    }
  }
  return groups;
}

function groupsFor(walk: Walk, source: readonly FieldNode[] | SelectionSetNode, declared: GraphQLCompositeType, runtime: GraphQLObjectType | null): FieldGroups {
  let byType = walk.groupings.get(source);
  if (!byType) walk.groupings.set(source, (byType = new Map()));
  const typeKey = runtime?.name ?? '';
  let groups = byType.get(typeKey);
  if (!groups) {
    const sets = 'kind' in source ? [source] : source.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
    byType.set(typeKey, (groups = collectFields(walk, declared, runtime, sets)));
  }
  return groups;
}

/** The object's own type: its static type, or for an interface or union the `__typename` the response carries. */
function runtimeType(walk: Walk, source: readonly FieldNode[], declared: GraphQLCompositeType, object: boolean, value: Record<string, unknown>): GraphQLObjectType | null {
  if (object) return declared as GraphQLObjectType;
  for (const [key, group] of groupsFor(walk, source, declared, null)) {
    if (group.nodes[0]!.name.value !== '__typename') continue;
    const typeName = value[key];
    const type = typeof typeName === 'string' ? walk.context.schema.getType(typeName) : undefined;
    if (isObjectType(type)) return type;
  }
  return null;
}

/** One field of an object's groups, for a given runtime type: what objectCost reads, worked out once per walk. */
interface FieldStep {
  readonly key: string;
  readonly nodes: readonly FieldNode[];
  /** `Owner.field`, for onListSize. */
  readonly coordinate: string;
  readonly call: number;
  readonly type: GraphQLOutputType;
}

/**
 * The steps of `groups` for objects of `runtime` (null: unknown), in group
 * order: meta fields (`__typename`) and fields the owner does not define are
 * left out. Every item of a list shares them, so each object of the answer
 * costs a loop over an array rather than lookups per field.
 */
function stepsFor(walk: Walk, groups: FieldGroups, runtime: GraphQLObjectType | null): readonly FieldStep[] {
  let byRuntime = walk.steps.get(groups);
  if (!byRuntime) walk.steps.set(groups, (byRuntime = new Map()));
  const runtimeKey = runtime?.name ?? '';
  const known = byRuntime.get(runtimeKey);
  if (known) return known;
  const steps: FieldStep[] = [];
  for (const [key, group] of groups) {
    const node = group.nodes[0]!;
    const name = node.name.value;
    if (name.startsWith('__')) continue;
    // Without a runtime type, a field is looked up where it was selected (an interface, or a fragment's type).
    const owner = runtime ?? group.scope;
    const definition = isObjectType(owner) || isInterfaceType(owner) ? owner.getFields()[name] : undefined;
    if (!definition) continue;
    const coordinate = `${owner.name}.${name}`;
    steps.push({ key, nodes: group.nodes, coordinate, call: fieldCallCost(walk.context, coordinate, definition, node), type: definition.type });
  }
  byRuntime.set(runtimeKey, steps);
  return steps;
}

function objectCost(walk: Walk, groups: FieldGroups, runtime: GraphQLObjectType | null, value: Record<string, unknown>, depth: number): number {
  let cost = 0;
  const onListSize = walk.context.onListSize;
  for (const step of stepsFor(walk, groups, runtime)) {
    if (!(step.key in value)) continue;
    const returned = value[step.key];
    if (onListSize && Array.isArray(returned)) onListSize(step.coordinate, returned.length);
    cost = addCost(cost, addCost(step.call, valueCost(walk, step.nodes, step.type, returned, depth + 1)));
  }
  return cost;
}

/**
 * What valueCost needs to know of an output type, worked out once per type:
 * graphql-js's isListType/isLeafType/... checks are slow outside production
 * mode (they guard against two graphql copies), and the walk would otherwise
 * make them for every item of every list.
 */
type TypeShape =
  | { readonly kind: 'list'; readonly of: GraphQLOutputType }
  | { readonly kind: 'leaf'; readonly named: GraphQLNamedType }
  | { readonly kind: 'composite'; readonly named: GraphQLCompositeType; readonly object: boolean }
  | { readonly kind: 'other' };

const shapes = new WeakMap<GraphQLOutputType, TypeShape>();

function shapeOf(type: GraphQLOutputType): TypeShape {
  let shape = shapes.get(type);
  if (!shape) {
    const nullable = getNullableType(type);
    const named = getNamedType(nullable);
    shape = isListType(nullable)
      ? { kind: 'list', of: nullable.ofType }
      : isLeafType(named)
        ? { kind: 'leaf', named }
        : isCompositeType(named)
          ? { kind: 'composite', named, object: isObjectType(named) }
          : { kind: 'other' };
    shapes.set(type, shape);
  }
  return shape;
}

/** Cost of what a field returned: per instance, its type's weight plus its own fields; nulls cost nothing. */
function valueCost(walk: Walk, nodes: readonly FieldNode[], type: GraphQLOutputType, value: unknown, depth: number): number {
  if (value === null || value === undefined) return 0;
  if (depth > MAX_NESTING) return MAX_COST;
  const shape = shapeOf(type);
  if (shape.kind === 'list') {
    if (!Array.isArray(value)) return 0;
    let cost = 0;
    for (const item of value) cost = addCost(cost, valueCost(walk, nodes, shape.of, item, depth));
    return cost;
  }
  if (shape.kind === 'leaf') return clampCost(weightOf(walk, shape.named));
  if (shape.kind !== 'composite' || !isRecord(value)) return 0;
  const runtime = runtimeType(walk, nodes, shape.named, shape.object, value);
  const weight = weightOf(walk, runtime ?? shape.named);
  return clampCost(weight + objectCost(walk, groupsFor(walk, nodes, shape.named, runtime), runtime, value, depth));
}

/** Walks kept per operation of one document: enough for the variable values a client really varies. */
const MAX_WALKS = 16;
/** Variable values whose JSON is longer are not memoised. */
const MAX_WALK_KEY_LENGTH = 1024;

/**
 * What actualCost learns of one document, kept across requests: field
 * groupings and call costs (the walk's memo maps), by operation and the values
 * of the operation's variables (@skip/@include and argument costs read them;
 * which ones depends on the data, so all of the operation's are the key).
 * Only the list lengths differ between two requests with equal values: the
 * walk over `data` is all that is left to do. One per document, and per
 * `onListSize` (the walk keeps the first one it was given).
 */
export class ActualCostWalks {
  readonly #walks = new Map<string, Walk>();

  get(key: string): Walk | undefined {
    return this.#walks.get(key);
  }

  set(key: string, walk: Walk): void {
    if (this.#walks.size < MAX_WALKS) this.#walks.set(key, walk);
  }
}

function walkKey(operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined): string | undefined {
  const values = variables ?? {};
  const definitions = operation.variableDefinitions ?? [];
  let key: string;
  try {
    key = `${operation.name?.value ?? ''}\u0000${JSON.stringify(definitions.map((d) => (Object.hasOwn(values, d.variable.name.value) ? [values[d.variable.name.value]] : [])))}`;
  } catch {
    return undefined; // a value nested too deeply for JSON.stringify's recursion
  }
  return key.length <= MAX_WALK_KEY_LENGTH ? key : undefined;
}

/**
 * Cost of an operation as it actually ran: the weights of estimateCost, with
 * each list counted as long as it is in `data` (walked by response key, so
 * aliases count separately and a field selected twice counts once, as it was
 * resolved once). Router calls this the actual cost (`by_response_shape`):
 * `@requires` fetches are not in the response and are not counted.
 */
export function actualCost(schema: GraphQLSchema, directives: CostDirectives, document: DocumentNode, options: CostOptions, data: unknown, walks?: ActualCostWalks): number {
  // A response answers one operation: the named one, else the first.
  const [operation] = operationsToCost(document, options.operationName);
  const root = operation && (operation.operation === OperationTypeNode.MUTATION ? schema.getMutationType() : operation.operation === OperationTypeNode.SUBSCRIPTION ? schema.getSubscriptionType() : schema.getQueryType());
  if (!operation || !root) return 0;
  const base = operation.operation === OperationTypeNode.MUTATION ? MUTATION_BASE_COST : 0;
  if (!isRecord(data)) return base;
  const key = walks && walkKey(operation, options.variables);
  let walk = key === undefined ? undefined : walks?.get(key);
  if (!walk) {
    const context = createContext(schema, directives, document, options);
    enterOperation(context, operation);
    walk = { context, groupings: new WeakMap(), steps: new WeakMap(), weights: new Map() };
    if (key !== undefined) walks?.set(key, walk);
  }
  return addCost(base, objectCost(walk, groupsFor(walk, operation.selectionSet, root, root), root, data, 0));
}
