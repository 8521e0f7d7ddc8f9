/**
 * Lines up a batch response with the keys DataLoader asked for: the value for
 * each key in key order, and an Error in the slot of a key the upstream did not
 * return (DataLoader's contract: same length, same order).
 */
export function alignToKeys<K, V>(
  keys: readonly K[],
  items: readonly V[],
  keyOf: (item: V) => K,
  missing: (key: K) => Error,
): (V | Error)[] {
  const byKey = new Map<K, V>();
  for (const item of items) byKey.set(keyOf(item), item);
  return keys.map((key) => byKey.get(key) ?? missing(key));
}

/** Splits ids into chunks the upstream's batch endpoint accepts (it refuses more than 100). */
export const MAX_BATCH_SIZE = 100;
