import type { LookupResult } from './metrics.ts';

/** What the entity cache did for one client request: the request log, `extensions.cache` and `Cache-Tag` read it. */
export interface CacheReport {
  hits: number;
  misses: number;
  stale: number;
  /** Fetches not sent because an identical one was in flight. */
  coalesced: number;
  /** Requests this client request actually sent to subgraphs. */
  fetches: number;
  /** Tags of every cached or cacheable answer this request used. */
  readonly tags: Set<string>;
}

// Keyed by the request's context object, so it lives and dies with the request.
const reports = new WeakMap<object, CacheReport>();

export function reportOf(context: object): CacheReport {
  let report = reports.get(context);
  if (!report) reports.set(context, (report = { hits: 0, misses: 0, stale: 0, coalesced: 0, fetches: 0, tags: new Set() }));
  return report;
}

export function peekReport(context: object): CacheReport | undefined {
  return reports.get(context);
}

export function count(report: CacheReport, result: LookupResult): void {
  if (result === 'hit') report.hits++;
  else if (result === 'stale') report.stale++;
  else report.misses++;
}

/** One word for the request log: `hit` (everything from cache), `partial`, `miss`, or `none` (nothing cacheable looked up). */
export function cacheStatus(report: CacheReport | undefined): 'hit' | 'partial' | 'miss' | 'none' {
  if (!report || report.hits + report.misses + report.stale === 0) return 'none';
  if (report.misses + report.stale === 0) return 'hit';
  return report.hits === 0 ? 'miss' : 'partial';
}
