import type { BucketPolicy, TakeResult } from './leaky-bucket.ts';

/** Where budgets live: in this process, or in Redis so several gateway replicas share one budget per client. */
export interface BucketStore {
  take(clientKey: string, cost: number, policy: BucketPolicy): Promise<TakeResult>;
  /** Returns the points available after the refund. */
  refund(clientKey: string, points: number, policy: BucketPolicy): Promise<number>;
  /** `local` when a shared store is unreachable and budgets are being kept per process. */
  readonly backend: () => 'memory' | 'redis' | 'local-fallback';
  close(): Promise<void>;
}
