/**
 * Cost arithmetic that cannot overflow into nonsense: every sum and product
 * saturates at Number.MAX_SAFE_INTEGER, so a hostile `first: 100000000` nested
 * ten times yields MAX_SAFE_INTEGER, never Infinity, and never NaN (which would
 * compare false against any budget and let the operation through).
 */
export const MAX_COST = Number.MAX_SAFE_INTEGER;

/** Clamps to [0, MAX_COST]; NaN (which no caller should produce) counts as MAX_COST. */
export function clampCost(value: number): number {
  if (Number.isNaN(value)) return MAX_COST;
  return Math.min(Math.max(value, 0), MAX_COST);
}

export function addCost(a: number, b: number): number {
  return clampCost(a + b);
}

/** Both factors are in [0, MAX_COST], so the product is finite before clamping. */
export function multiplyCost(a: number, b: number): number {
  return clampCost(a * b);
}

/**
 * A list size from a number a client sent (`first: 100000000`, or a variable):
 * non-negative, whole (1.5 rounds up: the server may round up too), at most
 * MAX_COST. Non-numbers (strings, NaN, objects) are not sizes.
 */
export function sizeFromNumber(value: unknown): number | undefined {
  if (typeof value !== 'number' || Number.isNaN(value)) return undefined;
  return clampCost(Math.ceil(value));
}
