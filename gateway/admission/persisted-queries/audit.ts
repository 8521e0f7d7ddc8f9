import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../common/logger.ts';
import { hashOperation } from './manifest.ts';

export interface UnknownOperation {
  /** The client profile or client name the request came from. */
  readonly client: string;
  readonly operationName: string | undefined;
  readonly query: string;
}

export interface UnknownOperationCount {
  readonly client: string;
  readonly operationName: string | undefined;
  readonly hash: string;
  readonly count: number;
}

/**
 * Audit mode's record of operations missing from the manifest: every one is
 * logged (name, client, hash, how often seen) and counted, so the list can be
 * completed before a profile moves to safelist. The text is logged on first
 * sight only, and the tally keeps the `maxDistinct` most recent operations, so
 * a client sending random documents cannot grow logs or memory without bound.
 */
export class UnknownOperationAudit {
  private readonly seen: LRUCache<string, { client: string; operationName: string | undefined; hash: string; count: number }>;
  private readonly maxLoggedQueryChars: number;
  private totalCount = 0;

  private readonly logger: Logger;

  constructor(logger: Logger, options: { maxDistinct?: number; maxLoggedQueryChars?: number } = {}) {
    this.logger = logger;
    this.seen = new LRUCache({ max: options.maxDistinct ?? 1000 });
    this.maxLoggedQueryChars = options.maxLoggedQueryChars ?? 2000;
  }

  record(operation: UnknownOperation): void {
    const hash = hashOperation(operation.query);
    const key = `${operation.client}\u0000${operation.operationName ?? ''}\u0000${hash}`;
    const entry = this.seen.get(key) ?? { client: operation.client, operationName: operation.operationName, hash, count: 0 };
    entry.count += 1;
    this.totalCount += 1;
    this.seen.set(key, entry);
    const first = entry.count === 1;
    this.logger.warn(
      {
        client: operation.client,
        operationName: operation.operationName ?? null,
        hash,
        seen: entry.count,
        ...(first ? { query: operation.query.slice(0, this.maxLoggedQueryChars) } : {}),
      },
      'operation not in the persisted-query manifest (audit mode: allowed)',
    );
  }

  /** Unknown operations allowed since start (all of them, not only those still tallied). */
  get total(): number {
    return this.totalCount;
  }

  /** The tally, most frequent first. */
  counts(): UnknownOperationCount[] {
    return [...this.seen.values()].map((e) => ({ ...e })).sort((a, b) => b.count - a.count);
  }
}
