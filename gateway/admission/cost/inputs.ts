import {
  Kind,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  type ArgumentNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type ValueNode,
} from 'graphql';
import { variableValue, type CostContext } from './context.ts';
import { MAX_COST, addCost, sizeFromNumber } from './numbers.ts';

/** Input nesting past which an argument value is costed MAX_COST (only recursive input types get there). */
const MAX_INPUT_DEPTH = 64;

/** `@cost` of an input position: its own, else its type's (Router falls back the same way). */
function inputWeight(context: CostContext, coordinate: string, type: GraphQLInputType): number | undefined {
  const named = getNamedType(type);
  return context.directives.argumentWeights.get(coordinate) ?? context.directives.inputFieldWeights.get(coordinate) ?? context.directives.typeWeights.get(named.name);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Cost of one value in an input position, after Router's `score_argument`: an
 * input object costs its weight (default 1) plus its fields, a list its weight
 * (default 0) plus its items, anything else its weight (default 0), null 0.
 * Walked along the input type, so a value nested deeper than its type (invalid
 * anyway) is not followed.
 */
function jsonCost(context: CostContext, value: unknown, type: GraphQLInputType, weight: number | undefined, depth: number): number {
  if (value === null || value === undefined) return 0;
  if (depth > MAX_INPUT_DEPTH) return MAX_COST;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    // A single value where a list is expected is coerced to a list of one.
    if (!Array.isArray(value)) return jsonCost(context, value, nullable.ofType, weight, depth + 1);
    let cost = weight ?? 0;
    for (const item of value) cost = addCost(cost, jsonCost(context, item, nullable.ofType, weight, depth + 1));
    return cost;
  }
  if (isInputObjectType(nullable) && isPlainObject(value)) {
    let cost = weight ?? 1;
    const fields = nullable.getFields();
    for (const [name, fieldValue] of Object.entries(value)) {
      const field = fields[name];
      if (!field) continue;
      cost = addCost(cost, jsonCost(context, fieldValue, field.type, inputWeight(context, `${nullable.name}.${name}`, field.type), depth + 1));
    }
    return cost;
  }
  return weight ?? 0;
}

function astCost(context: CostContext, node: ValueNode, type: GraphQLInputType, weight: number | undefined, depth: number): number {
  if (node.kind === Kind.NULL) return 0;
  if (depth > MAX_INPUT_DEPTH) return MAX_COST;
  if (node.kind === Kind.VARIABLE) {
    // One variable may feed 10,000 aliased fields: cost its value once per position.
    const key = `${node.name.value}\u0000${String(type)}\u0000${weight}`;
    let cost = context.variableMemo.get(key);
    if (cost === undefined) {
      cost = jsonCost(context, variableValue(context, node.name.value), type, weight, depth);
      context.variableMemo.set(key, cost);
    }
    return cost;
  }
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (node.kind !== Kind.LIST) return astCost(context, node, nullable.ofType, weight, depth + 1);
    let cost = weight ?? 0;
    for (const item of node.values) cost = addCost(cost, astCost(context, item, nullable.ofType, weight, depth + 1));
    return cost;
  }
  if (isInputObjectType(nullable) && node.kind === Kind.OBJECT) {
    let cost = weight ?? 1;
    const fields = nullable.getFields();
    for (const field of node.fields) {
      const definition = fields[field.name.value];
      if (!definition) continue;
      cost = addCost(cost, astCost(context, field.value, definition.type, inputWeight(context, `${nullable.name}.${field.name.value}`, definition.type), depth + 1));
    }
    return cost;
  }
  return weight ?? 0;
}

/** Cost of the arguments written on one field (defaults are free, as in Router). */
export function argumentsCost(context: CostContext, coordinate: string, definition: GraphQLField<unknown, unknown>, args: readonly ArgumentNode[] | undefined): number {
  let cost = 0;
  for (const arg of args ?? []) {
    const argDefinition = definition.args.find((a) => a.name === arg.name.value);
    if (!argDefinition) continue;
    const weight = inputWeight(context, `${coordinate}(${arg.name.value}:)`, argDefinition.type);
    // Negative weights are allowed on arguments; the field's call cost is clamped at 0 by the caller.
    cost += astCost(context, arg.value, argDefinition.type, weight, 0);
  }
  return cost;
}

/**
 * A size from a value: a number is the size, a list its length. `path` walks
 * into input objects (`page.size`), falling back to an input field's default
 * where the value leaves the field out.
 */
function sizeFromJson(value: unknown, type: GraphQLInputType, path: readonly string[]): number | undefined {
  if (path.length === 0) return Array.isArray(value) ? value.length : sizeFromNumber(value);
  const field = inputField(type, path[0]!);
  if (!field || !isPlainObject(value)) return undefined;
  const size = field.name in value ? sizeFromJson(value[field.name], field.type, path.slice(1)) : undefined;
  return size ?? (field.defaultValue === undefined ? undefined : sizeFromJson(field.defaultValue, field.type, path.slice(1)));
}

function sizeFromAst(context: CostContext, node: ValueNode, type: GraphQLInputType, path: readonly string[]): number | undefined {
  if (node.kind === Kind.VARIABLE) return sizeFromJson(variableValue(context, node.name.value), type, path);
  if (path.length === 0) {
    if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return sizeFromNumber(Number(node.value));
    return node.kind === Kind.LIST ? node.values.length : undefined;
  }
  const field = inputField(type, path[0]!);
  if (!field || node.kind !== Kind.OBJECT) return undefined;
  const written = node.fields.find((f) => f.name.value === field.name);
  const size = written ? sizeFromAst(context, written.value, field.type, path.slice(1)) : undefined;
  return size ?? (field.defaultValue === undefined ? undefined : sizeFromJson(field.defaultValue, field.type, path.slice(1)));
}

function inputField(type: GraphQLInputType, name: string) {
  const named = getNamedType(type);
  return isInputObjectType(named) ? named.getFields()[name] : undefined;
}

/**
 * The size one slicing argument gives (`first`, or a path such as `page.size`):
 * the value written (a literal, or a variable as sent or defaulted in the
 * operation), else the argument's default in the schema; a list counts its
 * items. Undefined when none of these is a number (e.g. an explicit null).
 */
export function slicingSize(context: CostContext, path: string, definitionArgs: readonly GraphQLArgument[], args: readonly ArgumentNode[] | undefined): number | undefined {
  const [name, ...rest] = path.split('.');
  const definition = definitionArgs.find((a) => a.name === name);
  if (!definition) return undefined;
  const written = args?.find((a) => a.name.value === name);
  const size = written ? sizeFromAst(context, written.value, definition.type, rest) : undefined;
  return size ?? (definition.defaultValue === undefined ? undefined : sizeFromJson(definition.defaultValue, definition.type, rest));
}
