import type { GraphQLError } from 'graphql';
import { ErrorCode, storefrontError } from '../../common/errors.ts';

/** What went wrong talking to a REST upstream, before it becomes a GraphQL error. */
export type UpstreamFailure =
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'timeout'; readonly timeoutMs: number }
  /** The request's deadline had passed before the call: nothing was sent. */
  | { readonly kind: 'deadline' }
  | { readonly kind: 'unreachable' }
  | { readonly kind: 'bad-body' };

/**
 * The one place where REST outcomes map to catalogue codes. Messages name the
 * service and resource but never the upstream URL or body (those go to the logs).
 */
export function upstreamError(service: string, resource: string, failure: UpstreamFailure): GraphQLError {
  const details = { service };
  switch (failure.kind) {
    case 'timeout':
      return storefrontError(ErrorCode.UPSTREAM_TIMEOUT, `${service} service did not answer within ${failure.timeoutMs} ms`, { details });
    case 'deadline':
      return storefrontError(ErrorCode.UPSTREAM_TIMEOUT, `${service} service was not called: the request's deadline had passed`, { details });
    case 'unreachable':
      return storefrontError(ErrorCode.UPSTREAM_UNAVAILABLE, `${service} service is unavailable`, { details });
    case 'bad-body':
      return storefrontError(ErrorCode.UPSTREAM_SERVICE_ERROR, `${service} service sent an unreadable response`, { details });
    case 'status': {
      const { status } = failure;
      if (status === 404) return storefrontError(ErrorCode.NOT_FOUND, `${resource} was not found`, { details });
      if (status >= 500) {
        return storefrontError(ErrorCode.UPSTREAM_SERVICE_ERROR, `${service} service failed (HTTP ${status})`, { details: { ...details, upstreamStatus: status } });
      }
      if (status === 422) {
        return storefrontError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was already used for a different request; send a new key for a new write', { details });
      }
      // 4xx other than 404: we validate input before calling, so this is our bug
      // (or a contract change upstream), not something the client can fix.
      return storefrontError(ErrorCode.UPSTREAM_BAD_REQUEST, `${service} service rejected the request (HTTP ${status})`, { details: { ...details, upstreamStatus: status } });
    }
  }
}
