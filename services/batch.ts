/** Indexes records by id once, when a service starts, so requests only read. */
export function indexBy<T, K>(items: readonly T[], keyOf: (item: T) => K): ReadonlyMap<K, T> {
  return new Map(items.map((item) => [keyOf(item), item]));
}

/** The known ids' records, in the order the ids were asked for; unknown ids are left out. */
export function pickInOrder<T>(ids: readonly string[], byId: ReadonlyMap<string, T>): T[] {
  const found: T[] = [];
  for (const id of ids) {
    const item = byId.get(id);
    if (item !== undefined) found.push(item);
  }
  return found;
}
