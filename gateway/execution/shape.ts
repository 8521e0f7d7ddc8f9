import {
  ERRORS,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  Variable,
  type Directive,
  type Field,
  type FragmentElement,
  type NamedType,
  type Operation,
  type Schema,
  type Selection,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/**
 * Result shaping: what Apollo's `computeResponse` (@apollo/gateway
 * resultShaping.js) does after a plan's fetches are merged — the client's
 * selections, in the client's order, out of the merged subgraph data, with
 * `__typename`, @skip/@include, fragments by runtime type, nulls propagated to
 * the nearest nullable parent and invalid leaves nulled — compiled once per
 * operation instead of interpreted per value.
 *
 * Written by hand because no library shapes federated results: Apollo's is
 * generic over federation-internals' operation objects and, on a 75 KB answer,
 * spends most of the gateway's execution time looking directives, types and
 * names up again for every value (and allocates a result object per value).
 * This mirrors its algorithm step by step — the same visits, the same error
 * messages and paths, the same thrown assertions — so that answers are equal
 * byte for byte; test/unit/execution-differential.test.ts holds it to that.
 */

/** A named type of the schema, as shaping needs it at run time. */
interface TypeInfo {
  readonly name: string;
  readonly isObject: boolean;
  readonly isComposite: boolean;
  readonly type: NamedType;
}

/** The declared type of a field's value, wrappers first. */
type Output =
  | { readonly kind: typeof NON_NULL; readonly of: Output; readonly display: string }
  | { readonly kind: typeof LIST; readonly of: Output; readonly display: string }
  | { readonly kind: typeof COMPOSITE; readonly type: TypeInfo; readonly display: string }
  | { readonly kind: typeof LEAF; readonly valid: (value: unknown) => boolean; readonly display: string };
const NON_NULL = 0;
const LIST = 1;
const COMPOSITE = 2;
const LEAF = 3;

/** @skip(if:) / @include(if:): a literal, or the variable to read. */
type IfArgument = boolean | { readonly variable: string; readonly directive: string };
interface Condition {
  readonly skip: IfArgument | undefined;
  readonly include: IfArgument | undefined;
}

const FIELD = 0;
const TYPENAME = 1;
const INTROSPECTION = 2;
const FRAGMENT = 3;

type Entry =
  | { readonly kind: typeof FIELD; readonly responseName: string; readonly condition: Condition | undefined; readonly output: Output; readonly set: CompiledSet | undefined }
  | { readonly kind: typeof TYPENAME; readonly responseName: string; readonly condition: Condition | undefined }
  | { readonly kind: typeof INTROSPECTION; readonly responseName: string; readonly condition: Condition | undefined; readonly selection: Selection }
  | { readonly kind: typeof FRAGMENT; readonly condition: Condition | undefined; readonly applies: ((typeName: string) => boolean) | undefined; readonly typeCondition: TypeInfo | undefined; readonly set: CompiledSet };
type CompiledSet = readonly Entry[];

/** Per schema: named types by name, as the shaper sees them. */
class Types {
  readonly #schema: Schema;
  readonly #known = new Map<string, TypeInfo>();
  readonly booleanType: NamedType;
  readonly intType: NamedType;
  readonly idType: NamedType;
  readonly floatType: NamedType;

  constructor(schema: Schema) {
    this.#schema = schema;
    this.booleanType = schema.booleanType();
    this.intType = schema.intType();
    this.idType = schema.idType();
    this.floatType = schema.floatType();
  }

  /** Only types that exist are remembered: names come from subgraph answers, and a hostile one must not grow this map. */
  get(name: string): TypeInfo | undefined {
    const known = this.#known.get(name);
    if (known) return known;
    const type = this.#schema.type(name);
    if (!type) return undefined;
    const info: TypeInfo = { name: type.name, isObject: isObjectType(type), isComposite: isCompositeType(type), type };
    this.#known.set(name, info);
    return info;
  }

  of(type: NamedType): TypeInfo {
    return this.get(type.name)!;
  }
}

const typesBySchema = new WeakMap<Schema, Types>();
function typesOf(schema: Schema): Types {
  let types = typesBySchema.get(schema);
  if (!types) typesBySchema.set(schema, (types = new Types(schema)));
  return types;
}

// federation-internals' isValidLeafValue, per type, decided once.
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
function leafValidator(types: Types, type: NamedType): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  if (isEnumType(type)) return (value) => typeof value === 'string' && type.value(value) !== undefined;
  if (type === types.booleanType) return (value) => typeof value === 'boolean';
  if (type === types.intType) return (value) => typeof value === 'number' && isFinite(value) && INTEGER.test(String(value));
  if (type === types.idType) return (value) => typeof value === 'string' || (typeof value === 'number' && isFinite(value) && INTEGER.test(String(value)));
  if (type === types.floatType) return (value) => typeof value === 'number' && isFinite(value);
  // String, and any other built-in scalar: strings only.
  return (value) => typeof value === 'string';
}

/** A compiled operation: shape(merged data, variables) → the client's data. */
export interface Shaper {
  /** Apollo's `computeResponse`: `data` (null when a null reached the root) and the value-completion errors. */
  shape(input: Record<string, unknown>, variables: Record<string, unknown> | undefined, introspect: (selection: Selection) => unknown): { data: Record<string, unknown> | null; errors: GraphQLError[] };
}

export function compileShaper(operation: Operation): Shaper {
  const schema = operation.schema();
  const types = typesOf(schema);
  const skipDirective = schema.skipDirective();
  const includeDirective = schema.includeDirective();
  const compiledSets = new Map<SelectionSet, CompiledSet>();
  const outputs = new Map<Type, Output>();
  // Output objects without a prototype (as Apollo's) only when a response name
  // would read one of Object.prototype's properties (`constructor`, `__proto__`…);
  // plain objects otherwise, which V8 keeps in fast mode.
  let needsBareObjects = false;

  const ifArgument = (directive: Directive<FragmentElement | Field, { if: boolean | Variable }> | undefined): IfArgument | undefined => {
    if (!directive) return undefined;
    const value: unknown = directive.arguments().if;
    return value instanceof Variable ? { variable: value.name, directive: String(directive) } : (value as boolean);
  };

  const conditionOf = (selection: Selection): Condition | undefined => {
    const skip = ifArgument(selection.element.appliedDirectivesOf(skipDirective)[0]);
    const include = ifArgument(selection.element.appliedDirectivesOf(includeDirective)[0]);
    return skip === undefined && include === undefined ? undefined : { skip, include };
  };

  const outputOf = (type: Type): Output => {
    let output = outputs.get(type);
    if (output) return output;
    const display = String(type);
    if (isNonNullType(type)) output = { kind: NON_NULL, of: outputOf(type.ofType), display };
    else if (isListType(type)) output = { kind: LIST, of: outputOf(type.ofType), display };
    else if (isCompositeType(type)) output = { kind: COMPOSITE, type: types.of(type), display };
    else output = { kind: LEAF, valid: leafValidator(types, type as NamedType), display };
    outputs.set(type, output);
    return output;
  };

  const compileSet = (selectionSet: SelectionSet): CompiledSet => {
    const known = compiledSets.get(selectionSet);
    if (known) return known;
    const entries: Entry[] = [];
    for (const selection of selectionSet.selections()) {
      const condition = conditionOf(selection);
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        const responseName = field.responseName();
        if (responseName in Object.prototype) needsBareObjects = true;
        if (field.definition.isSchemaIntrospectionField()) entries.push({ kind: INTROSPECTION, responseName, condition, selection });
        else if (field.name === '__typename') entries.push({ kind: TYPENAME, responseName, condition });
        else entries.push({ kind: FIELD, responseName, condition, output: outputOf(field.definition.type!), set: selection.selectionSet ? compileSet(selection.selectionSet) : undefined });
      } else {
        const typeCondition = selection.element.typeCondition;
        entries.push({ kind: FRAGMENT, condition, applies: typeCondition ? appliesTo(types, typeCondition) : undefined, typeCondition: typeCondition ? types.of(typeCondition) : undefined, set: compileSet(selection.selectionSet) });
      }
    }
    compiledSets.set(selectionSet, entries);
    return entries;
  };

  const root = compileSet(operation.selectionSet);
  const rootType = types.of(schema.schemaDefinition.rootType(operation.rootKind)!);
  const defaulted = operation.collectDefaultedVariableValues();
  const newObject: () => Record<string, unknown> = needsBareObjects ? () => Object.create(null) as Record<string, unknown> : () => ({});

  return {
    shape(input, variables, introspect) {
      const run: Run = { variables: { __proto__: null, ...defaulted, ...variables }, errors: [], path: [], introspect, types, newObject, flags: 0 };
      const data = newObject();
      const result = applySet(run, input, root, data, rootType);
      return { data: result === BUBBLE ? null : data, errors: run.errors };
    },
  };
}

/** Whether a fragment on `typeCondition` applies to an object of the named type; decided once per name. */
function appliesTo(types: Types, typeCondition: NamedType): (typeName: string) => boolean {
  const decided = new Map<string, boolean>();
  return (typeName) => {
    const known = decided.get(typeName);
    if (known !== undefined) return known;
    const type = types.get(typeName);
    if (!type) return false;
    const applies = isSubtype(typeCondition, type.type);
    decided.set(typeName, applies);
    return applies;
  };
}

interface Run {
  readonly variables: Record<string, unknown>;
  readonly errors: GraphQLError[];
  readonly path: (string | number)[];
  readonly introspect: (selection: Selection) => unknown;
  readonly types: Types;
  readonly newObject: () => Record<string, unknown>;
  /** What the last `update` says besides its value (Apollo returns `{ updated, isInvalid, hasErrors }` objects). */
  flags: number;
}

const OK = 0;
const BUBBLE = 1;
const INVALID = 1;
const HAS_ERRORS = 2;

function ifValue(argument: IfArgument, variables: Record<string, unknown>): boolean {
  if (typeof argument === 'boolean') return argument;
  const value = variables[argument.variable];
  if (value === undefined || typeof value !== 'boolean') throw new Error(`Unexpected value ${String(value)} for variable $${argument.variable} of ${argument.directive}`);
  return value;
}

function skipped(condition: Condition, variables: Record<string, unknown>): boolean {
  return (condition.skip !== undefined && ifValue(condition.skip, variables)) || (condition.include !== undefined && !ifValue(condition.include, variables));
}

function describe(path: readonly (string | number)[], currentType: string, parentType: TypeInfo): string {
  const element = path[path.length - 1];
  return typeof element === 'string' ? `field ${parentType.name}.${element}` : `array element of type ${currentType} at index ${element}`;
}

function applySet(run: Run, input: Record<string, unknown>, set: CompiledSet, output: Record<string, unknown>, parentType: TypeInfo): number {
  for (const entry of set) {
    if (entry.condition !== undefined && skipped(entry.condition, run.variables)) continue;
    if (entry.kind === FRAGMENT) {
      const typeName = input['__typename'];
      if (typeName && typeof typeName !== 'string') throw new Error(`Got unexpected value for __typename: ${String(typeName)}`);
      const applies = entry.applies === undefined || entry.applies(typeName ? (typeName as string) : parentType.name);
      if (applies && applySet(run, input, entry.set, output, entry.typeCondition ?? parentType) === BUBBLE) return BUBBLE;
      continue;
    }
    const responseName = entry.responseName;
    const outputValue = output[responseName];
    if (entry.kind === INTROSPECTION) {
      if (outputValue === undefined) output[responseName] = run.introspect(entry.selection);
      continue;
    }
    let inputValue = Object.hasOwn(input, responseName) ? (input[responseName] ?? null) : null;
    if (entry.kind === TYPENAME) {
      if (outputValue === undefined) {
        if (inputValue === null && responseName !== '__typename') inputValue = input['__typename'] ?? null;
        const typeName: unknown = inputValue;
        const type = typeof typeName === 'string' ? (run.types.get(typeName) ?? parentType) : parentType;
        if (!type.isObject) return BUBBLE;
        output[responseName] = type.name;
      }
      continue;
    }
    run.path.push(responseName);
    output[responseName] = update(run, outputValue, entry.output, inputValue, entry.set, parentType);
    run.path.pop();
    if (run.flags & INVALID) return BUBBLE;
  }
  return OK;
}

/** Apollo's `updateOutputValue`; its `isInvalid` / `hasErrors` are left in `run.flags`. */
function update(run: Run, outputValue: unknown, type: Output, inputValue: unknown, set: CompiledSet | undefined, parentType: TypeInfo): unknown {
  if (inputValue === undefined) throw new Error('Should not pass undefined for `inputValue` to this method');
  if (outputValue === null || (outputValue !== undefined && set === undefined)) {
    run.flags = 0;
    return outputValue;
  }
  if (type.kind === NON_NULL) {
    const updated = update(run, outputValue, type.of, inputValue, set, parentType);
    if (updated === null) {
      if (!(run.flags & HAS_ERRORS)) run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(run.path, type.of.display, parentType)}.`, { path: Array.from(run.path) }));
      run.flags = INVALID | HAS_ERRORS;
      return null;
    }
    run.flags = 0;
    return updated;
  }
  if (inputValue === null) {
    run.flags = 0;
    return null;
  }
  switch (type.kind) {
    case LIST: {
      if (!Array.isArray(inputValue)) throw new Error(`Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${type.display}`);
      if (outputValue !== undefined && !Array.isArray(outputValue)) throw new Error(`Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${type.display}`);
      const existing = outputValue as unknown[] | undefined;
      if (existing !== undefined && inputValue.length !== existing.length) throw new Error(`[${String(inputValue)}].length (${inputValue.length}) !== [${String(existing)}].length (${existing.length})`);
      const updated: unknown[] = [];
      let nullify = false;
      let hasErrors = false;
      for (let i = 0; i < inputValue.length; i++) {
        run.path.push(i);
        updated.push(update(run, existing === undefined ? undefined : existing[i], type.of, inputValue[i], set, parentType));
        run.path.pop();
        if (run.flags & INVALID) nullify = true;
        if (run.flags & HAS_ERRORS) hasErrors = true;
      }
      run.flags = hasErrors ? HAS_ERRORS : 0;
      return nullify ? null : updated;
    }
    case COMPOSITE: {
      if (set === undefined) throw new Error(`Invalid empty selection set for composite type ${type.display}`);
      if (typeof inputValue !== 'object') throw new Error(`Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.display}`);
      // Apollo's message names the input here too.
      if (outputValue !== undefined && typeof outputValue !== 'object') throw new Error(`Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type.display}`);
      const input = inputValue as Record<string, unknown>;
      const typeName = input['__typename'];
      if (typeName !== undefined && typeof typeName !== 'string') throw new Error(`Invalid non-string value ${String(typeName)} for __typename at ${String(run.path)}`);
      let objectType = type.type;
      if (typeName) {
        const named = run.types.get(typeName);
        if (!named || !named.isComposite) {
          run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describe(run.path, type.display, parentType)}.`, { path: Array.from(run.path) }));
          run.flags = HAS_ERRORS;
          return null;
        }
        objectType = named;
      }
      const object = (outputValue as Record<string, unknown> | undefined) ?? run.newObject();
      const bubbled = applySet(run, input, set, object, objectType) === BUBBLE;
      run.flags = bubbled ? HAS_ERRORS : 0;
      return bubbled ? null : object;
    }
    case LEAF: {
      if (outputValue !== undefined) throw new Error(`Excepted output to be undefined but got ${type.display} for type ${type.display}`);
      const valid = type.valid(inputValue);
      if (!valid) run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(run.path, type.display, parentType)}.`, { path: Array.from(run.path) }));
      run.flags = valid ? 0 : HAS_ERRORS;
      return valid ? inputValue : null;
    }
  }
}
