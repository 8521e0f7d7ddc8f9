import { ErrorCode } from '../../../common/errors.ts';

/**
 * A persisted-query refusal, decided before the document is parsed. The HTTP
 * layer answers it as-is: `{ errors: [{ message, extensions: { code } }] }`
 * with `httpStatus` and PERSISTED_QUERY_ERROR_CACHE_CONTROL.
 */
export interface PersistedQueryReject {
  readonly kind: 'reject';
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly message: string;
}

/**
 * Every persisted-query error must bypass shared caches: a CDN that caches a
 * GET's "not found" or "not in list" keeps refusing the operation after the
 * client registered it or the manifest was deployed (Router sends the same).
 */
export const PERSISTED_QUERY_ERROR_CACHE_CONTROL = 'private, no-cache, must-revalidate';

export function reject(code: ErrorCode, httpStatus: number, message: string): PersistedQueryReject {
  return { kind: 'reject', code, httpStatus, message };
}

/** The request is not a well-formed (persisted) GraphQL request. */
export function badRequest(message: string): PersistedQueryReject {
  return reject(ErrorCode.BAD_REQUEST, 400, message);
}

/** Quotes a client-supplied value for an error message without echoing megabytes of it. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 80 ? `${JSON.stringify(value.slice(0, 72))}... (${value.length} chars)` : JSON.stringify(value);
  }
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value).slice(0, 40);
}
