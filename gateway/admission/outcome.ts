import type { BucketPolicy } from './budget/leaky-bucket.ts';
import type { Rejection } from './rejection.ts';

/** The cost bookkeeping of an admitted operation, finished by the cost report plugin (cost/report-plugin.ts). */
export interface AdmittedCost {
  readonly estimated: number;
  readonly clientKey: string;
  /** Whether the estimate was taken from the client's budget (and so is refunded against the actual cost). */
  readonly charged: boolean;
  readonly policy: BucketPolicy | null;
  readonly currentlyAvailable: number | null;
}

/** A request body Apollo Server will execute: the persisted query resolved to text. */
export interface GraphQLRequestBody {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

export type Admission =
  | {
      readonly kind: 'admit';
      readonly body: GraphQLRequestBody;
      readonly cost: AdmittedCost | null;
      /** A bounded label for metrics: the manifest's operation name, or "unlisted" (client-chosen names are unbounded). */
      readonly operation: string;
    }
  | Rejection;

/** Shopify's throttle status shape, which mobile and partner teams already parse. */
export function throttleStatus(policy: BucketPolicy, currentlyAvailable: number) {
  return {
    maximumAvailable: policy.maximumAvailable,
    currentlyAvailable: Math.floor(currentlyAvailable),
    restoreRate: policy.restoreRatePerSecond,
  };
}
