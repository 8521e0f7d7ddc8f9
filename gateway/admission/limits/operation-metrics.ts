import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * What the operation limits measure, for one operation with its fragments expanded.
 *
 * Counting follows Apollo Router's `limits` (apollo-router `src/spec/operation_limits.rs`,
 * the `count` function) except where said:
 * - height: every field selection, including those inside inline fragments and
 *   named fragments, counted again each time a fragment is spread. Within one
 *   selection set, fields with the same response name (alias or name) count once,
 *   but the sub-selections of each are all counted: an upper bound, as Router's.
 * - aliases: every aliased field, counted again each time its fragment is spread.
 * - rootFields: distinct response names at the root of the operation. Router's docs
 *   say "including root fields in fragments", but its code only counts fields written
 *   directly at the root, so `{ ...F }` would have 0 root fields; we follow the docs
 *   and look through root-level inline fragments and fragment spreads.
 * - depth: graphql-depth-limit's count, not Router's: a leaf field is depth 0, so
 *   `{ me { name } }` is 1 (Router says 2), and fields starting with `__`
 *   (introspection, `__typename`) are not counted nor looked into. The library
 *   itself is only the tests' oracle (test/unit/limits.test.ts): it is a recursive
 *   walk without memoisation (a fragment spreading the next one twice, 24 levels
 *   deep, took ~4 s on Node 20; a cycle or a very wide selection set overflows the
 *   stack), so the gateway counts with this walk alone.
 * - directives (not a Router limit): every directive use, on the operation, its
 *   variable definitions, fields, inline fragments, fragment spreads and fragment
 *   definitions, counted again each time a fragment is spread.
 *
 * Hostile documents: fragments are measured once each (memoised), so a fragment
 * spread twice per level for 40 levels ("billion laughs") costs 40 measurements and
 * yields numbers around 2^40; sums saturate at Number.MAX_SAFE_INTEGER. The walk is
 * iterative, so nesting depth cannot overflow the stack. A fragment cycle (invalid:
 * NoFragmentCyclesRule rejects it) and an unknown fragment contribute nothing.
 */
export interface OperationMetrics {
  readonly depth: number;
  readonly aliases: number;
  readonly rootFields: number;
  readonly height: number;
  readonly directives: number;
}

const CAP = Number.MAX_SAFE_INTEGER;
const add = (a: number, b: number): number => Math.min(a + b, CAP);

interface Counts {
  depth: number;
  height: number;
  aliases: number;
  directives: number;
}

const ZERO: Counts = { depth: 0, height: 0, aliases: 0, directives: 0 };

interface Walk {
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** null while a selection set is being expanded: meeting it again means a fragment cycle. */
  readonly memo: Map<SelectionSetNode, Counts | null>;
}

/**
 * Measures the operation named `operationName`, or the only operation. When that
 * does not resolve (no such name, or several operations and no name) the request
 * will be refused later with OPERATION_RESOLUTION_FAILURE; meanwhile we report the
 * largest value over all operations, so a bad name never lowers the numbers.
 */
export function measureOperation(document: DocumentNode, operationName?: string | null): OperationMetrics {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const named = operationName ? operations.filter((op) => op.name?.value === operationName) : operations;
  const selected = named.length === 1 ? named : operations;

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const walk: Walk = { fragments, memo: new Map() };

  let result: OperationMetrics = { depth: 0, aliases: 0, rootFields: 0, height: 0, directives: 0 };
  for (const operation of selected) {
    const counts = measureSelectionSet(operation.selectionSet, walk);
    let directives = add(operation.directives?.length ?? 0, counts.directives);
    for (const v of operation.variableDefinitions ?? []) directives = add(directives, v.directives?.length ?? 0);
    result = {
      depth: Math.max(result.depth, counts.depth),
      aliases: Math.max(result.aliases, counts.aliases),
      rootFields: Math.max(result.rootFields, countRootFields(operation, fragments)),
      height: Math.max(result.height, counts.height),
      directives: Math.max(result.directives, directives),
    };
  }
  return result;
}

/** Measures a selection set and every selection set below it, bottom-up, without recursion. */
function measureSelectionSet(root: SelectionSetNode, walk: Walk): Counts {
  const stack: SelectionSetNode[] = [root];
  while (stack.length > 0) {
    const set = stack[stack.length - 1]!;
    const state = walk.memo.get(set);
    if (state === undefined) {
      // First visit: expand. Children already measured or being expanded are not pushed
      // again, which is what makes fan-out linear and cycles finite.
      walk.memo.set(set, null);
      for (const child of childSets(set, walk)) if (!walk.memo.has(child)) stack.push(child);
      continue;
    }
    stack.pop();
    // Second visit: every child is measured, or is an ancestor (a cycle).
    if (state === null) walk.memo.set(set, combine(set, walk));
  }
  return walk.memo.get(root) ?? ZERO;
}

function* childSets(set: SelectionSetNode, walk: Walk): Generator<SelectionSetNode> {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments.get(selection.name.value);
      if (fragment) yield fragment.selectionSet;
    } else if (selection.selectionSet) {
      yield selection.selectionSet;
    }
  }
}

function measured(set: SelectionSetNode | undefined, walk: Walk): Counts {
  if (!set) return ZERO;
  const counts = walk.memo.get(set);
  // Only an ancestor is still unmeasured: a fragment cycle, which adds nothing.
  return counts ?? ZERO;
}

function combine(set: SelectionSetNode, walk: Walk): Counts {
  const total: Counts = { ...ZERO };
  const responseNames = new Set<string>();
  for (const selection of set.selections) {
    let nested: Counts;
    let directives = selection.directives?.length ?? 0;
    if (selection.kind === Kind.FIELD) {
      const child = measured(selection.selectionSet, walk);
      const ignoredByDepthLimit = selection.name.value.startsWith('__') || !selection.selectionSet;
      const responseName = selection.alias?.value ?? selection.name.value;
      if (selection.alias) total.aliases = add(total.aliases, 1);
      if (!responseNames.has(responseName)) {
        responseNames.add(responseName);
        total.height = add(total.height, 1);
      }
      nested = ignoredByDepthLimit ? { ...child, depth: 0 } : { ...child, depth: add(child.depth, 1) };
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      nested = measured(selection.selectionSet, walk);
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      nested = fragment ? measured(fragment.selectionSet, walk) : ZERO;
      directives = add(directives, fragment?.directives?.length ?? 0);
    }
    total.depth = Math.max(total.depth, nested.depth);
    total.height = add(total.height, nested.height);
    total.aliases = add(total.aliases, nested.aliases);
    total.directives = add(total.directives, add(directives, nested.directives));
  }
  return total;
}

/** Distinct response names at the root, looking through root-level fragments (each fragment once). */
function countRootFields(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  const names = new Set<string>();
  const seenFragments = new Set<string>();
  const stack: SelectionSetNode[] = [operation.selectionSet];
  while (stack.length > 0) {
    for (const selection of stack.pop()!.selections) {
      if (selection.kind === Kind.FIELD) {
        names.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        stack.push(selection.selectionSet);
      } else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) stack.push(fragment.selectionSet);
      }
    }
  }
  return names.size;
}
