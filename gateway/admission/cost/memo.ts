/**
 * Estimates of one document, memoised by what they depend on. An estimate is
 * a pure function of (schema, directives, document, operation name, default
 * list size, variables); the first four are fixed for a cached document (one
 * cache per schema), and of the variables only those the walk read matter:
 * slicing arguments (`first: $n`), `@skip(if: $s)`, weighted input values.
 *
 * So each estimate records the variables it read, and is reused for a request
 * whose values of exactly those variables are the same. The walk is
 * deterministic, so equal values of what it read mean it reads the same
 * variables again and returns the same number; a different value (`first: 10`
 * then `first: 1000`) is a miss and gets its own estimate. Hive Gateway's
 * demand control memoises `calculateCost` by schema, document and variables
 * the same way, keying by all of them.
 */

/** Distinct sets of read variables kept per operation (a `@skip` may change which are read). */
const MAX_READ_SETS = 8;
/** Variable values kept per read set; a client paging through `first:` values stays bounded. */
const MAX_VALUES_PER_SET = 64;
/** Values whose JSON is longer are not memoised (a large input list): costing them is what a key would cost. */
const MAX_KEY_LENGTH = 1024;

interface ReadSet {
  /** Names of the variables read, sorted. */
  readonly names: readonly string[];
  readonly estimates: Map<string, number>;
}

/** Called by the cost walk with each variable it reads (CostOptions.onVariableRead). */
export type VariableReads = (name: string) => void;

export class CostMemo {
  readonly #byOperation = new Map<string, ReadSet[]>();

  /**
   * The memoised estimate for this operation and these variables, or
   * `estimate(onVariableRead)`'s result, remembered under the values of the
   * variables it reported reading.
   */
  estimate(operationName: string | null, variables: Readonly<Record<string, unknown>> | undefined, estimate: (onVariableRead: VariableReads) => number): number {
    const values = variables ?? {};
    const operation = operationName ?? '';
    let sets = this.#byOperation.get(operation);
    for (const set of sets ?? []) {
      const key = valuesKey(set.names, values);
      const known = key === undefined ? undefined : set.estimates.get(key);
      if (known !== undefined) return known;
    }
    const read = new Set<string>();
    const cost = estimate((name) => read.add(name));
    const names = [...read].sort();
    const key = valuesKey(names, values);
    if (key === undefined) return cost;
    if (!sets) this.#byOperation.set(operation, (sets = []));
    let set = sets.find((s) => s.names.length === names.length && s.names.every((n, i) => n === names[i]));
    if (!set) {
      if (sets.length >= MAX_READ_SETS) return cost;
      sets.push((set = { names, estimates: new Map() }));
    }
    if (set.estimates.size < MAX_VALUES_PER_SET) set.estimates.set(key, cost);
    return cost;
  }
}

/**
 * The values of `names` as JSON, telling a variable left out (`[]`) from one
 * sent as null (`[null]`): a left-out variable takes the operation's default.
 * Variables come from JSON (a body, or a GET's `variables` parameter), so
 * JSON tells their values apart exactly. Undefined when too long to memoise.
 */
function valuesKey(names: readonly string[], variables: Readonly<Record<string, unknown>>): string | undefined {
  if (names.length === 0) return '';
  let key: string;
  try {
    key = JSON.stringify(names.map((name) => (Object.hasOwn(variables, name) ? [variables[name]] : [])));
  } catch {
    // JSON.stringify recurses: a value nested some 10,000 levels deep overflows the stack.
    return undefined;
  }
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}
