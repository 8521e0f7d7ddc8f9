import { ErrorCode } from '../../../common/errors.ts';
import { reject, type Rejection } from '../rejection.ts';

/**
 * Every persisted-query error must bypass shared caches: a CDN that caches a
 * GET's "not found" or "not in list" keeps refusing the operation after the
 * client registered it or the manifest was deployed (Router sends the same).
 */
export const PERSISTED_QUERY_ERROR_CACHE_CONTROL = 'private, no-cache, must-revalidate';

/** The request is not a well-formed (persisted) GraphQL request. */
export function badRequest(message: string): Rejection {
  return reject(ErrorCode.BAD_REQUEST, message);
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
