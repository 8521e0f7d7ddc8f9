import { SHA256_HEX } from './manifest.ts';
import type { Rejection } from '../rejection.ts';
import { badRequest, describeValue } from './reject.ts';

/**
 * One GraphQL request as the persisted-query policy sees it, whichever way it
 * arrived: APQ (`extensions.persistedQuery`), GraphQL-over-HTTP persisted
 * documents (`documentId`, body or query string), or free-form `query`; over
 * GET or POST. Hashes are 64 lowercase hex characters, without `sha256:`.
 */
export interface PersistedQueryRequest {
  /** Free-form document text; an empty string counts as absent. */
  readonly query?: string;
  /** From `documentId: "sha256:<hex>"`. */
  readonly documentId?: string;
  /** From `extensions.persistedQuery.sha256Hash`. */
  readonly apqHash?: string;
  readonly operationName?: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  /** The request's extensions without `persistedQuery`, ready to forward. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

export interface HttpGraphQLInput {
  readonly method: 'GET' | 'POST';
  /** The parsed JSON body of a POST (a JSON array is a batch: split it first). Ignored for GET. */
  readonly body: unknown;
  /** The URL's query parameters; a repeated parameter arrives as an array and is refused. */
  readonly query: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export type ExtractedRequest = { readonly kind: 'request'; readonly request: PersistedQueryRequest } | Rejection;

const DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/;

type Fields = { query?: unknown; documentId?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown };

/** Carries a refusal out of the field readers; never escapes this module. */
class Refused {
  readonly reject: Rejection;
  constructor(reject: Rejection) {
    this.reject = reject;
  }
}

function refuse(message: string): never {
  throw new Refused(badRequest(message));
}

/**
 * Normalises a request, or refuses one that is malformed (BAD_REQUEST, 400):
 * a documentId that is not `sha256:` + 64 lowercase hex, a GET whose
 * `variables`/`extensions` is not JSON, a field of the wrong type, an APQ
 * extension whose version is not 1 or whose hash is not 64 lowercase hex, a
 * documentId and an APQ hash naming different documents, a repeated query
 * parameter. Whether a well-formed request is allowed is `decide`'s business.
 */
export function extractPersistedQuery(input: HttpGraphQLInput): ExtractedRequest {
  try {
    return { kind: 'request', request: normalise(input.method === 'GET' ? fromQueryString(input.query) : fromBody(input.body, input.query)) };
  } catch (error) {
    if (error instanceof Refused) return error.reject;
    throw error;
  }
}

function normalise(fields: Fields): PersistedQueryRequest {
  const query = optionalString(fields.query, 'query');
  const operationName = optionalString(fields.operationName, 'operationName');
  const variables = optionalObject(fields.variables, 'variables');
  let extensions = optionalObject(fields.extensions, 'extensions');

  let documentId: string | undefined;
  if (fields.documentId !== undefined && fields.documentId !== null) {
    const match = typeof fields.documentId === 'string' ? DOCUMENT_ID.exec(fields.documentId) : null;
    if (!match) {
      refuse(`documentId must be "sha256:" followed by 64 lowercase hex characters (custom document ids are not supported), received ${describeValue(fields.documentId)}`);
    }
    documentId = match[1];
  }

  let apqHash: string | undefined;
  if (extensions?.['persistedQuery'] !== undefined && extensions['persistedQuery'] !== null) {
    apqHash = apqHashOf(extensions['persistedQuery']);
    const { persistedQuery: _, ...rest } = extensions;
    extensions = Object.keys(rest).length > 0 ? rest : undefined;
  }
  if (documentId !== undefined && apqHash !== undefined && documentId !== apqHash) {
    refuse('documentId and extensions.persistedQuery.sha256Hash name different documents; send one of them');
  }
  if (!query && documentId === undefined && apqHash === undefined) {
    refuse('a GraphQL request needs a non-empty query, a documentId or an extensions.persistedQuery');
  }
  return {
    ...(query ? { query } : {}),
    ...(documentId !== undefined ? { documentId } : {}),
    ...(apqHash !== undefined ? { apqHash } : {}),
    ...(operationName ? { operationName } : {}),
    ...(variables !== undefined ? { variables } : {}),
    ...(extensions !== undefined ? { extensions } : {}),
  };
}

function fromBody(body: unknown, queryString: HttpGraphQLInput['query']): Fields {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    refuse(`a POST body must be a JSON object, received ${describeValue(body)}`);
  }
  const fields: Fields = { ...(body as Fields) };
  // The draft lets a POST carry its documentId in the URL (CDN-friendly
  // routing). When both are present they must agree, so the URL a cache keys
  // on and the document executed can never differ.
  const fromUrl = single(queryString, 'documentId');
  if (fromUrl !== undefined) {
    if (fields.documentId !== undefined && fields.documentId !== null && fields.documentId !== fromUrl) {
      refuse('the documentId in the URL and the one in the body differ');
    }
    fields.documentId = fromUrl;
  }
  return fields;
}

function fromQueryString(params: HttpGraphQLInput['query']): Fields {
  const fields: Fields = {};
  for (const name of ['query', 'documentId', 'operationName'] as const) {
    const value = single(params, name);
    if (value !== undefined) fields[name] = value;
  }
  for (const name of ['variables', 'extensions'] as const) {
    const value = single(params, name);
    if (value === undefined || value === '') continue;
    try {
      fields[name] = JSON.parse(value);
    } catch {
      refuse(`the ${name} query parameter must be JSON, received ${describeValue(value)}`);
    }
  }
  return fields;
}

/** A query parameter given twice is ambiguous (which one does a cache key use?): refused. */
function single(params: HttpGraphQLInput['query'], name: string): string | undefined {
  const value = params[name];
  if (value === undefined || typeof value === 'string') return value;
  refuse(`the ${name} query parameter was given ${value.length} times; give it once`);
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  refuse(`${name} must be a string, received ${describeValue(value)}`);
}

function optionalObject(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  refuse(`${name} must be a JSON object, received ${describeValue(value)}`);
}

function apqHashOf(persistedQuery: unknown): string {
  if (typeof persistedQuery !== 'object' || persistedQuery === null || Array.isArray(persistedQuery)) {
    refuse(`extensions.persistedQuery must be an object, received ${describeValue(persistedQuery)}`);
  }
  const { version, sha256Hash } = persistedQuery as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) refuse(`unsupported persisted query version ${describeValue(version)}; only version 1 is supported`);
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash)) {
    refuse(`extensions.persistedQuery.sha256Hash must be 64 lowercase hex characters, received ${describeValue(sha256Hash)}`);
  }
  return sha256Hash;
}

/** The body to hand Apollo Server once the policy allowed `query`: no id, no persistedQuery extension. */
export function toGraphQLRequestBody(request: PersistedQueryRequest, query: string): {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
} {
  return {
    query,
    ...(request.operationName !== undefined ? { operationName: request.operationName } : {}),
    ...(request.variables !== undefined ? { variables: { ...request.variables } } : {}),
    ...(request.extensions !== undefined ? { extensions: { ...request.extensions } } : {}),
  };
}
