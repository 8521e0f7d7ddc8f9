import {
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  getNamedType,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLType,
} from 'graphql';

/** How a type a client depends on changed, from that client's point of view. */
export interface TypeProblem {
  readonly severity: 'BREAKING' | 'DANGEROUS';
  /** TYPE_CHANGED, NULLABILITY_CHANGED, LIST_CHANGED, INPUT_CHANGED or ENUM_VALUE_ADDED. */
  readonly type: string;
  /** Sub-coordinate when the problem is inside an input type, e.g. `CartLineInput.quantity`. */
  readonly path: string | null;
  readonly message: string;
}

/**
 * Compares the type of a field an operation selects, old → new, as the
 * client reading the response sees it. Pure.
 *
 * - non-null → nullable: BREAKING (the client may now receive null where its
 *   generated types promise a value); nullable → non-null: fine;
 * - list ↔ non-list, or a different scalar or enum: BREAKING, even though the
 *   operation still validates (`Int` → `String` still validates and still
 *   breaks the client's parsing);
 * - a different object/interface type: DANGEROUS (the selection still
 *   validates, so the shape is kept, but `__typename` and cache keys change);
 * - an enum that gained values: DANGEROUS (the client may get a value it does
 *   not know).
 */
export function compareOutputType(before: GraphQLOutputType, after: GraphQLOutputType): TypeProblem[] {
  const problems: TypeProblem[] = [];
  const named = unwrapTogether(before, after, (was, now) => {
    if (was && !now) problems.push({ severity: 'BREAKING', type: 'NULLABILITY_CHANGED', path: null, message: `${String(before)} became ${String(after)}: the client may now receive null` });
  });
  if (named === null) {
    problems.push({ severity: 'BREAKING', type: 'LIST_CHANGED', path: null, message: `${String(before)} became ${String(after)}: a list where there was none, or the reverse` });
    return problems;
  }
  const [a, b] = named;
  if (a.name !== b.name) {
    const leaf = isLeafType(a) || isLeafType(b);
    problems.push({
      severity: leaf ? 'BREAKING' : 'DANGEROUS',
      type: 'TYPE_CHANGED',
      path: null,
      message: leaf
        ? `type changed from ${String(before)} to ${String(after)}: the operation still validates, but the client parses a different value`
        : `type changed from ${String(before)} to ${String(after)}: the selection still validates, but __typename and cache keys change`,
    });
    return problems;
  }
  if (isEnumType(a) && isEnumType(b)) {
    const known = new Set(a.getValues().map((v) => v.name));
    const added = b.getValues().map((v) => v.name).filter((v) => !known.has(v));
    if (added.length > 0) {
      problems.push({ severity: 'DANGEROUS', type: 'ENUM_VALUE_ADDED', path: null, message: `enum ${a.name} gained ${added.join(', ')}: the client may receive a value it does not know` });
    }
  }
  return problems;
}

/**
 * Unwraps two types' list and non-null wrappers in lockstep, telling
 * `nullability` at each level whether each side was non-null. Returns the two
 * named types, or null when one side has a list where the other has none.
 */
function unwrapTogether(before: GraphQLType, after: GraphQLType, nullability: (wasNonNull: boolean, isNonNull: boolean) => void): [GraphQLNamedType, GraphQLNamedType] | null {
  let a = before;
  let b = after;
  for (;;) {
    nullability(isNonNullType(a), isNonNullType(b));
    if (isNonNullType(a)) a = a.ofType;
    if (isNonNullType(b)) b = b.ofType;
    if (isListType(a) !== isListType(b)) return null;
    if (!isListType(a) || !isListType(b)) return [getNamedType(a), getNamedType(b)];
    a = a.ofType;
    b = b.ofType;
  }
}

/**
 * Compares the type of a variable a client sends, old → new, recursively
 * through input objects. Validation cannot see these: variable values arrive
 * at run time, so an input object that gained a required field still
 * validates, then refuses every request. Pure.
 */
export function compareInputType(before: GraphQLInputType, after: GraphQLInputType, seen: Set<string> = new Set()): TypeProblem[] {
  const problems: TypeProblem[] = [];
  const named = unwrapTogether(before, after, (was, now) => {
    if (!was && now) problems.push({ severity: 'BREAKING', type: 'INPUT_CHANGED', path: null, message: `${String(before)} became ${String(after)}: the client may send null` });
  });
  if (named === null) {
    return [...problems, { severity: 'BREAKING', type: 'INPUT_CHANGED', path: null, message: `${String(before)} became ${String(after)}: a list where there was none, or the reverse` }];
  }
  const [a, b] = named;
  if (a.name !== b.name) {
    return [...problems, { severity: 'BREAKING', type: 'INPUT_CHANGED', path: null, message: `type changed from ${String(before)} to ${String(after)}` }];
  }
  if (isEnumType(a) && isEnumType(b)) {
    const now = new Set(b.getValues().map((v) => v.name));
    const removed = a.getValues().map((v) => v.name).filter((v) => !now.has(v));
    if (removed.length > 0) {
      problems.push({ severity: 'BREAKING', type: 'INPUT_CHANGED', path: `${a.name}.${removed[0]}`, message: `enum ${a.name} lost ${removed.join(', ')}, which the client may send` });
    }
    return problems;
  }
  if (!isInputObjectType(a) || !isInputObjectType(b) || seen.has(a.name)) return problems;
  seen.add(a.name);
  const oldFields = a.getFields();
  const newFields = b.getFields();
  for (const [name, field] of Object.entries(oldFields)) {
    const now = newFields[name];
    if (!now) {
      problems.push({ severity: 'BREAKING', type: 'INPUT_CHANGED', path: `${a.name}.${name}`, message: `input field ${a.name}.${name} was removed: variables that send it are refused` });
      continue;
    }
    for (const p of compareInputType(field.type, now.type, seen)) problems.push({ ...p, path: p.path ?? `${a.name}.${name}` });
  }
  for (const [name, field] of Object.entries(newFields)) {
    if (!oldFields[name] && isNonNullType(field.type) && field.defaultValue === undefined) {
      problems.push({ severity: 'BREAKING', type: 'INPUT_CHANGED', path: `${b.name}.${name}`, message: `required input field ${b.name}.${name} was added: variables sent without it are refused` });
    }
  }
  return problems;
}
