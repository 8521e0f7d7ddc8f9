/**
 * Counts the REST calls made while serving one subgraph request, per
 * `service METHOD route` (e.g. "catalog GET /products"). Created per request; the
 * subgraph returns the counts in `extensions.restCalls` and the gateway sums them
 * over every subgraph fetch of a client request.
 */
export type RestCallCounts = Record<string, number>;

export class CallRecorder {
  readonly #counts = new Map<string, number>();

  record(service: string, method: string, route: string): void {
    const key = `${service} ${method} ${route}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  snapshot(): RestCallCounts {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  get total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }
}

/** Adds `more` into `into` (used by the gateway to sum subgraph counts). */
export function addCallCounts(into: RestCallCounts, more: unknown): void {
  if (more === null || typeof more !== 'object') return;
  for (const [key, value] of Object.entries(more)) {
    if (typeof value === 'number' && Number.isFinite(value)) into[key] = (into[key] ?? 0) + value;
  }
}
