import type { Identity } from '../../common/identity.ts';
import type { FallbackRecord } from '../../common/upstream/wire.ts';
import { ErrorCode, storefrontError } from '../../common/errors.ts';
import type { CallRecorder } from '../../common/upstream/call-recorder.ts';
import type { RestCall } from './rest-client.ts';

/** A REST call already bound to the current request's recorder and request id. */
export type RestFetch = <T>(call: RestCall) => Promise<T>;

/**
 * What every resolver of a subgraph receives. Created per request: the loaders
 * cache only for the life of one request, so one user's data never serves another.
 */
export interface SubgraphContext<Loaders> {
  readonly identity: Identity;
  readonly requestId: string;
  /**
   * When the gateway stops waiting for this request (a `performance.now()`
   * time): x-storefront-deadline-ms, at most `requestTimeoutMs`. REST calls
   * through `rest` honour it.
   */
  readonly deadlineAt: number;
  readonly recorder: CallRecorder;
  readonly rest: RestFetch;
  readonly loaders: Loaders;
  /** Optional fields answered with their fallback in this request (see fallbacks.ts). */
  readonly fallbacks: FallbackRecord[];
  /** The client's Idempotency-Key (forwarded by the gateway on mutations), and how many writes used it so far. */
  readonly idempotency?: { readonly key: string; writes: number };
}

/** The signed-in user's id, or UNAUTHENTICATED. */
export function requireUser(context: { identity: Identity }): string {
  if (context.identity.userId === null) {
    throw storefrontError(ErrorCode.UNAUTHENTICATED, 'You must be signed in: send a bearer token in the Authorization header');
  }
  return context.identity.userId;
}
