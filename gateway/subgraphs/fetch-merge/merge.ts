import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionNode, type VariableDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '../../../common/errors.ts';

/**
 * Merging several subgraph fetches into one operation and splitting its
 * answer back, as graphql-tools' batch execution (Hive Gateway's batch
 * delegation) does: each part's variables, fragment names and root response
 * keys get the prefix `_<i>_`, so that
 *
 *   { _entities(representations: $representations) { … } }   (part 0)
 *   { _entities(representations: $representations) { … } }   (part 1)
 *
 * go out as
 *
 *   query($_0_representations: [_Any!]!, $_1_representations: [_Any!]!) {
 *     _0__entities: _entities(representations: $_0_representations) { … }
 *     _1__entities: _entities(representations: $_1_representations) { … }
 *   }
 *
 * and `data._1__entities` / an error at `["_1__entities", 3, "price"]` go back
 * to part 1 as `data._entities` / `["_entities", 3, "price"]`.
 *
 * Written here rather than taken from @graphql-tools/batch-execute: that
 * package merges graphql-tools `ExecutionRequest`s inside its own executor and
 * pulls in @graphql-tools/utils and its delegation types, while Apollo Gateway
 * hands us query strings; the transform itself is ~100 lines of `visit`.
 */

/** One fetch as Apollo Gateway's executor asks for it. */
export interface FetchPart {
  readonly query: string;
  readonly variables?: Record<string, unknown> | undefined;
}

/** A subgraph's answer (GraphQL over HTTP body). */
export interface FetchAnswer {
  data?: Record<string, unknown> | null;
  errors?: readonly AnswerError[];
  extensions?: Record<string, unknown>;
}

export interface AnswerError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

interface Parsed {
  readonly operation: OperationDefinitionNode;
  readonly fragments: readonly FragmentDefinitionNode[];
}

// The planner writes a few operations per client operation and reuses them for every request.
const parsed = new LRUCache<string, Parsed | false>({ max: 2000 });

function parsePart(query: string): Parsed | null {
  let entry = parsed.get(query);
  if (entry === undefined) {
    entry = readPart(query) ?? false;
    parsed.set(query, entry);
  }
  return entry || null;
}

function readPart(query: string): Parsed | null {
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return null;
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const operation = operations[0];
  if (operations.length !== 1 || !operation || operation.operation !== 'query') return null;
  // Operation directives cannot be merged into one operation's; the planner writes none.
  if ((operation.directives?.length ?? 0) > 0) return null;
  // A root-level fragment spread hides which response keys are the part's (graphql-tools inlines it; the planner writes none).
  if (!rootKeysOf(operation.selectionSet.selections, new Map(fragments.map((f) => [f.name.value, f])))) return null;
  return { operation, fragments };
}

/**
 * Response keys a root selection set writes, or undefined where it cannot be
 * told (a named fragment spread at the root). Inline fragments at the root
 * are looked through: their fields land at the root of the response.
 */
function rootKeysOf(selections: readonly SelectionNode[], fragments: ReadonlyMap<string, FragmentDefinitionNode>): string[] | undefined {
  const keys: string[] = [];
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) keys.push(selection.alias?.value ?? selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = rootKeysOf(selection.selectionSet.selections, fragments);
      if (!inner) return undefined;
      keys.push(...inner);
    } else return undefined;
  }
  return keys;
}

/** Whether a fetch can take part in a merge (a query the transform understands). */
export function isMergeable(part: FetchPart): boolean {
  return parsePart(part.query) !== null;
}

const prefixOf = (index: number) => `_${index}_`;

/** The merged operation of parts that are all `isMergeable`. */
export function mergeParts(parts: readonly FetchPart[], operationName?: string): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  parts.forEach((part, index) => {
    for (const [name, value] of Object.entries(part.variables ?? {})) variables[prefixOf(index) + name] = value;
  });
  return { query: mergedText(parts.map((p) => p.query), operationName), variables };
}

// The same plan merges the same fetches for every request: print each merged text once.
const texts = new LRUCache<string, string>({ max: 2000 });

function mergedText(queries: readonly string[], operationName: string | undefined): string {
  const key = `${operationName ?? ''}\u0000${queries.join('\u0000')}`;
  let text = texts.get(key);
  if (text === undefined) {
    text = printMerged(queries, operationName);
    texts.set(key, text);
  }
  return text;
}

function printMerged(queries: readonly string[], operationName: string | undefined): string {
  const variableDefinitions: VariableDefinitionNode[] = [];
  const selections: SelectionNode[] = [];
  const fragments: DefinitionNode[] = [];
  queries.forEach((query, index) => {
    const entry = parsePart(query);
    if (!entry) throw new Error('mergeParts: a part that is not mergeable');
    const prefix = prefixOf(index);
    const renamed = visit({ kind: Kind.DOCUMENT, definitions: [entry.operation, ...entry.fragments] } as DocumentNode, {
      [Kind.VARIABLE]: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
      [Kind.FRAGMENT_SPREAD]: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
      [Kind.FRAGMENT_DEFINITION]: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
    });
    const [operation, ...ownFragments] = renamed.definitions as [OperationDefinitionNode, ...FragmentDefinitionNode[]];
    variableDefinitions.push(...(operation.variableDefinitions ?? []));
    selections.push(...operation.selectionSet.selections.map((s) => aliasRoot(s, prefix)));
    fragments.push(...ownFragments);
  });
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    ...(operationName ? { name: { kind: Kind.NAME, value: operationName } } : {}),
    variableDefinitions,
    selectionSet: { kind: Kind.SELECTION_SET, selections },
  };
  return print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] });
}

function aliasRoot(selection: SelectionNode, prefix: string): SelectionNode {
  if (selection.kind === Kind.FIELD) {
    const field: FieldNode = { ...selection, alias: { kind: Kind.NAME, value: prefix + (selection.alias?.value ?? selection.name.value) } };
    return field;
  }
  if (selection.kind === Kind.INLINE_FRAGMENT) {
    return { ...selection, selectionSet: { ...selection.selectionSet, selections: selection.selectionSet.selections.map((s) => aliasRoot(s, prefix)) } };
  }
  return selection;
}

/**
 * Each part's answer, as it would have had it alone:
 * - data: its own root keys, unprefixed. When the merged data is null (a
 *   non-null root field failed), every part's data is null.
 * - errors: those whose path starts at one of its keys, path re-rooted;
 *   errors without such a path (the whole request failed, e.g. validation)
 *   go to every part, as each would have had them alone.
 * - extensions: all to the first part (the data source has already taken
 *   the REST call counts and fallback records out: counted once).
 * A part that got null data and no error of its own is given the path-less
 * errors, or else one saying its data is missing, so that no part's fields are
 * silently dropped.
 */
export function splitAnswer(parts: readonly FetchPart[], answer: FetchAnswer): FetchAnswer[] {
  const owner = new Map<string, { index: number; key: string }>();
  parts.forEach((part, index) => {
    const entry = parsePart(part.query)!;
    const fragments = new Map(entry.fragments.map((f) => [f.name.value, f]));
    for (const key of rootKeysOf(entry.operation.selectionSet.selections, fragments)!) owner.set(prefixOf(index) + key, { index, key });
  });
  const out: FetchAnswer[] = parts.map(() => ({}));
  const own: AnswerError[][] = parts.map(() => []);
  const unowned: AnswerError[] = [];
  for (const error of answer.errors ?? []) {
    const head = error.path?.[0];
    const target = typeof head === 'string' ? owner.get(head) : undefined;
    if (target) own[target.index]!.push({ ...error, path: [target.key, ...error.path!.slice(1)] });
    else unowned.push(error);
  }
  const data = answer.data;
  out.forEach((result, index) => {
    if (data === null || data === undefined) {
      if (data === null) result.data = null;
    } else {
      const slice: Record<string, unknown> = {};
      for (const [merged, target] of owner) if (target.index === index && merged in data) slice[target.key] = data[merged];
      result.data = slice;
    }
    const errors = [...own[index]!, ...unowned];
    if (errors.length === 0 && (data === null || data === undefined)) {
      errors.push({ message: 'The subgraph answered a merged fetch without data for this part', extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE } });
    }
    if (errors.length > 0) result.errors = errors;
  });
  if (answer.extensions && out[0]) out[0].extensions = answer.extensions;
  return out;
}
