import { ErrorCode } from '../../../common/errors.ts';
import { hashOperation, type ManifestIndex, type ManifestOperation } from './manifest.ts';
import { reject, type Rejection } from '../rejection.ts';
import type { PersistedQueryRequest } from './request.ts';

/**
 * How a profile treats operations, decided once from config:
 * - `safelist`: only manifest operations, by id or by a body that is exactly a
 *   manifest body; APQ registration never adds to the list.
 * - `require-id`: manifest ids only; any free-form body is refused.
 * - `apq`: automatic persisted queries plus free-form GraphQL; ids resolve from
 *   the manifest first, then the APQ store.
 * - `audit`: `apq`, and every operation not in the manifest is marked
 *   `audit-unknown` so the caller logs and counts it (measure before enforcing
 *   `safelist`).
 */
export const PERSISTED_QUERY_MODES = ['safelist', 'require-id', 'apq', 'audit'] as const;
export type PersistedQueryMode = (typeof PERSISTED_QUERY_MODES)[number];

export interface PersistedQueryAllow {
  readonly kind: 'allow';
  /** The document text to parse and execute. */
  readonly query: string;
  /**
   * Where the text came from or what vouched for it: `manifest` (listed, by id
   * or exact body), `apq` (the APQ store, or being registered in it),
   * `freeform` (an unlisted body, allowed in apq mode), `audit-unknown` (not in
   * the manifest, allowed in audit mode: log and count it).
   */
  readonly via: 'manifest' | 'apq' | 'freeform' | 'audit-unknown';
  /** The manifest entry when `via` is `manifest`. */
  readonly operation?: ManifestOperation;
  /** Store this in the APQ store, once the operation has validated (as Apollo Server does). */
  readonly register?: { readonly hash: string; readonly query: string };
}

export type PersistedQueryOutcome = PersistedQueryAllow | Rejection;

const usesApqStore = (mode: PersistedQueryMode) => mode === 'apq' || mode === 'audit';

/**
 * The hash `decide` will need the APQ store's text for, or undefined when no
 * lookup is needed (safelist and require-id never read the store; a manifest
 * hit or a request that carries its body needs no lookup either).
 */
export function apqLookupFor(mode: PersistedQueryMode, request: PersistedQueryRequest, manifest: ManifestIndex): string | undefined {
  if (!usesApqStore(mode) || request.query) return undefined;
  const id = request.documentId ?? request.apqHash;
  return id !== undefined && manifest.byId(id) === undefined ? id : undefined;
}

/**
 * Allows or refuses one request, before anything parses it. Pure: the APQ
 * store's text for `apqLookupFor(...)` is looked up by the caller and passed
 * as `apqQuery` (undefined for a miss or when no lookup was needed).
 *
 * Rules, in order:
 * 1. `documentId` + a body → CANNOT_SEND_PQ_ID_AND_BODY, every mode: in the
 *    GraphQL-over-HTTP draft the id replaces the text; there is no registration.
 * 2. APQ hash + a body whose SHA-256 differs → PERSISTED_QUERY_HASH_MISMATCH,
 *    every mode (checked before any list, so the error names the real fault).
 * 3. APQ hash + the matching body: a registration in apq/audit; in safelist and
 *    require-id the body is redundant (it hashes to the id), so the id alone
 *    decides and nothing is registered.
 * 4. An id alone: the manifest; in apq/audit then the APQ store, whose miss is
 *    PERSISTED_QUERY_NOT_FOUND with HTTP 200 (clients resend with the body);
 *    in safelist/require-id a miss is PERSISTED_QUERY_NOT_IN_LIST.
 * 5. A body alone: safelist needs it to be exactly a manifest body,
 *    require-id refuses it (PERSISTED_QUERY_ID_REQUIRED), apq/audit allow it.
 */
export function decide(
  mode: PersistedQueryMode,
  request: PersistedQueryRequest,
  manifest: ManifestIndex,
  apqQuery?: string,
): PersistedQueryOutcome {
  const { query, documentId, apqHash } = request;
  if (documentId !== undefined && query) {
    return reject(ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY, 'Sending a persisted query id (documentId) and a query body in the same request is not allowed; send one of them');
  }
  const id = documentId ?? apqHash;
  if (id !== undefined && query) {
    if (hashOperation(query) !== id) {
      return reject(ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, 'The query text does not hash (SHA-256) to extensions.persistedQuery.sha256Hash');
    }
    return usesApqStore(mode) ? register(mode, id, query, manifest) : byId(mode, id, manifest, undefined);
  }
  if (id !== undefined) return byId(mode, id, manifest, apqQuery);
  if (query) return byBody(mode, query, manifest);
  return reject(ErrorCode.BAD_REQUEST, 'a GraphQL request needs a non-empty query, a documentId or an extensions.persistedQuery');
}

function fromManifest(operation: ManifestOperation): PersistedQueryAllow {
  return { kind: 'allow', query: operation.body, via: 'manifest', operation };
}

function notInList(id: string): Rejection {
  return reject(ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, `Persisted query ${id} is not in the persisted query list`);
}

function byId(mode: PersistedQueryMode, id: string, manifest: ManifestIndex, apqQuery: string | undefined): PersistedQueryOutcome {
  const listed = manifest.byId(id);
  if (listed) return fromManifest(listed);
  switch (mode) {
    case 'safelist':
    case 'require-id':
      return notInList(id);
    case 'apq':
    case 'audit':
      // The store may be shared (Redis): text that does not hash to its key was
      // not put there by us, so it is a miss, not something to execute.
      if (apqQuery !== undefined && hashOperation(apqQuery) === id) {
        return { kind: 'allow', query: apqQuery, via: mode === 'audit' ? 'audit-unknown' : 'apq' };
      }
      // Apollo clients retry with the body on this exact message or code.
      return reject(ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound');
    default:
      return unreachable(mode);
  }
}

function register(mode: 'apq' | 'audit', hash: string, query: string, manifest: ManifestIndex): PersistedQueryAllow {
  const listed = manifest.byId(hash);
  if (listed) return fromManifest(listed);
  return { kind: 'allow', query, via: mode === 'audit' ? 'audit-unknown' : 'apq', register: { hash, query } };
}

function byBody(mode: PersistedQueryMode, query: string, manifest: ManifestIndex): PersistedQueryOutcome {
  switch (mode) {
    case 'require-id':
      return reject(
        ErrorCode.PERSISTED_QUERY_ID_REQUIRED,
        'This endpoint accepts only persisted query ids (documentId or extensions.persistedQuery), not free-form GraphQL',
      );
    case 'safelist': {
      const listed = manifest.byBody(query);
      return listed
        ? fromManifest(listed)
        : reject(ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, 'The operation body is not in the persisted query list');
    }
    case 'apq':
    case 'audit': {
      const listed = manifest.byBody(query);
      if (listed) return fromManifest(listed);
      return { kind: 'allow', query, via: mode === 'audit' ? 'audit-unknown' : 'freeform' };
    }
    default:
      return unreachable(mode);
  }
}

function unreachable(mode: never): never {
  throw new TypeError(`unknown persisted-query mode ${String(mode)}`);
}
