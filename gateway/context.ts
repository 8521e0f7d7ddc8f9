import type { Identity } from '../common/identity.ts';
import type { RestCallCounts } from '../common/upstream/call-recorder.ts';
import type { FallbackRecord } from '../common/upstream/wire.ts';
import type { Admission } from './admission/outcome.ts';

/** Per-request state of the gateway; created by the context function, never shared. */
export interface GatewayContext {
  readonly identity: Identity;
  readonly requestId: string;
  /** Signed when first awaited (by the first subgraph fetch), once per client request, reused for every fetch of its plan. */
  readonly identityAssertion: PromiseLike<string>;
  /** The `traceparent` subgraph fetches send when tracing is off (common/tracing.ts forwardedTraceparent); undefined when spans propagate it. */
  readonly traceparent?: string;
  /** REST calls made by all subgraph fetches of this request, summed from their extensions. */
  readonly restCalls: RestCallCounts;
  /** Aborts when the request's overall deadline passes; every subgraph fetch honours it. */
  readonly deadline?: AbortSignal;
  /** When that deadline passes, as a `performance.now()` time: subgraph fetches send what is left of it. */
  readonly deadlineAt?: number;
  /** What admission decided for this operation (cost to settle after execution). */
  readonly admission?: Extract<Admission, { kind: 'admit' }>;
  /** The client's Idempotency-Key (validated), forwarded to the subgraph of each mutation fetch. */
  readonly idempotencyKey?: string;
  /** Fallback values subgraphs served in place of failed optional data, summed from their extensions. */
  fallbacks?: FallbackRecord[];
}
