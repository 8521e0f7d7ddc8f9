import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../common/errors.ts';
import { decide } from '../../gateway/admission/persisted-queries/decide.ts';
import { hashOperation, ManifestIndex } from '../../gateway/admission/persisted-queries/manifest.ts';
import {
  extractPersistedQuery,
  toGraphQLRequestBody,
  type HttpGraphQLInput,
  type PersistedQueryRequest,
} from '../../gateway/admission/persisted-queries/request.ts';

const QUERY = 'query Me {\n  me {\n    id\n  }\n}';
const HASH = hashOperation(QUERY);
const OTHER_HASH = hashOperation('query Other { me { name } }');

const post = (body: unknown, query: HttpGraphQLInput['query'] = {}): HttpGraphQLInput => ({ method: 'POST', body, query });
const get = (query: HttpGraphQLInput['query']): HttpGraphQLInput => ({ method: 'GET', body: undefined, query });

function extracted(input: HttpGraphQLInput): PersistedQueryRequest {
  const result = extractPersistedQuery(input);
  assert.equal(result.kind, 'request', `expected a request, got ${JSON.stringify(result)}`);
  return result.kind === 'request' ? result.request : assert.fail();
}

function refused(input: HttpGraphQLInput, pattern: RegExp): string {
  const result = extractPersistedQuery(input);
  assert.equal(result.kind, 'reject', `expected a refusal, got ${JSON.stringify(result)}`);
  if (result.kind !== 'reject') return assert.fail();
  assert.equal(result.code, ErrorCode.BAD_REQUEST);
  assert.equal(result.status, 400);
  assert.match(result.message, pattern);
  return result.message;
}

describe('persisted-query request extraction: POST', () => {
  it('reads a free-form query with its operation name and variables', () => {
    assert.deepEqual(extracted(post({ query: QUERY, operationName: 'Me', variables: { a: 1 } })), {
      query: QUERY,
      operationName: 'Me',
      variables: { a: 1 },
    });
  });

  it('reads the APQ extension and forwards the other extensions without it', () => {
    const request = extracted(post({ extensions: { persistedQuery: { version: 1, sha256Hash: HASH }, clientLibrary: 'x' } }));
    assert.deepEqual(request, { apqHash: HASH, extensions: { clientLibrary: 'x' } });
  });

  it('drops extensions that held only persistedQuery', () => {
    assert.deepEqual(extracted(post({ extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } })), { apqHash: HASH });
  });

  it('reads an APQ registration (hash and body together)', () => {
    assert.deepEqual(extracted(post({ query: QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } })), { query: QUERY, apqHash: HASH });
  });

  it('reads documentId from the body, without its sha256: prefix', () => {
    assert.deepEqual(extracted(post({ documentId: `sha256:${HASH}`, variables: { id: 'p-1' } })), { documentId: HASH, variables: { id: 'p-1' } });
  });

  it('reads documentId from the query string of a POST', () => {
    assert.deepEqual(extracted(post({ variables: { id: 'p-1' } }, { documentId: `sha256:${HASH}` })), { documentId: HASH, variables: { id: 'p-1' } });
  });

  it('accepts the same documentId in the URL and the body, and refuses two different ones', () => {
    assert.deepEqual(extracted(post({ documentId: `sha256:${HASH}` }, { documentId: `sha256:${HASH}` })), { documentId: HASH });
    refused(post({ documentId: `sha256:${HASH}` }, { documentId: `sha256:${OTHER_HASH}` }), /URL and the one in the body differ/);
  });

  it('treats null and empty optional fields as absent', () => {
    assert.deepEqual(extracted(post({ query: QUERY, operationName: '', variables: null, extensions: null, documentId: null })), { query: QUERY });
  });

  it('keeps the same id sent as documentId and APQ hash, and refuses two different ids', () => {
    assert.deepEqual(extracted(post({ documentId: `sha256:${HASH}`, extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } })), {
      documentId: HASH,
      apqHash: HASH,
    });
    refused(post({ documentId: `sha256:${HASH}`, extensions: { persistedQuery: { version: 1, sha256Hash: OTHER_HASH } } }), /different documents/);
  });

  it('refuses a request with neither query, documentId nor APQ hash', () => {
    refused(post({}), /needs a non-empty query, a documentId or an extensions.persistedQuery/);
    refused(post({ query: '' }), /needs a non-empty query/);
  });
});

describe('persisted-query request extraction: GET', () => {
  it('reads query, operationName and JSON variables from the query string', () => {
    assert.deepEqual(extracted(get({ query: QUERY, operationName: 'Me', variables: '{"a":1}' })), { query: QUERY, operationName: 'Me', variables: { a: 1 } });
  });

  it('reads documentId from the query string', () => {
    assert.deepEqual(extracted(get({ documentId: `sha256:${HASH}`, variables: '{"id":"p-1"}' })), { documentId: HASH, variables: { id: 'p-1' } });
  });

  it('reads the APQ extension from JSON extensions', () => {
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HASH } });
    assert.deepEqual(extracted(get({ extensions, operationName: 'Me' })), { apqHash: HASH, operationName: 'Me' });
  });

  it('ignores a GET body', () => {
    assert.deepEqual(extracted({ method: 'GET', body: { query: 'query Evil { me { email } }' }, query: { query: QUERY } }), { query: QUERY });
  });

  it('refuses non-JSON extensions and variables, and JSON that is not an object', () => {
    refused(get({ documentId: `sha256:${HASH}`, extensions: '{persistedQuery:1' }), /extensions query parameter must be JSON/);
    refused(get({ query: QUERY, variables: 'id=1' }), /variables query parameter must be JSON/);
    refused(get({ query: QUERY, variables: '[1,2]' }), /variables must be a JSON object, received an array/);
    refused(get({ query: QUERY, extensions: '"x"' }), /extensions must be a JSON object/);
  });

  it('refuses a repeated parameter (which one would a cache key on?)', () => {
    refused(get({ documentId: [`sha256:${HASH}`, `sha256:${OTHER_HASH}`] }), /documentId query parameter was given 2 times/);
    refused(get({ query: [QUERY, QUERY] }), /query query parameter was given 2 times/);
  });
});

describe('persisted-query request extraction: hostile input', () => {
  const malformedDocumentIds: readonly [string, unknown][] = [
    ['no prefix', HASH],
    ['uppercase hex', `sha256:${HASH.toUpperCase()}`],
    ['63 hex characters', `sha256:${HASH.slice(1)}`],
    ['65 hex characters', `sha256:${HASH}0`],
    ['a trailing newline', `sha256:${HASH}\n`],
    ['another algorithm', `sha512:${HASH}`],
    ['a custom (Relay-style) id', 'a1b2c3d4e5f60718293a4b5c6d7e8f90'],
    ['an x- prefixed id', `x-custom:${HASH}`],
    ['non-hex characters', `sha256:${'g'.repeat(64)}`],
    ['an empty string', ''],
    ['a number', 42],
    ['an object', { sha256: HASH }],
  ];
  for (const [what, documentId] of malformedDocumentIds) {
    it(`refuses a documentId with ${what}`, () => {
      refused(post({ documentId }), /documentId must be "sha256:" followed by 64 lowercase hex characters/);
      if (typeof documentId === 'string') refused(get({ documentId }), /documentId must be/);
    });
  }

  it('refuses huge hash strings without echoing them back', () => {
    const huge = `sha256:${'a'.repeat(1_000_000)}`;
    const message = refused(post({ documentId: huge }), /1000007 chars/);
    assert.ok(message.length < 300, `message is ${message.length} chars`);
    const apq = refused(post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(1_000_000) } } }), /sha256Hash must be 64 lowercase hex/);
    assert.ok(apq.length < 300);
  });

  it('refuses an APQ extension with an unsupported version or a malformed hash', () => {
    refused(post({ extensions: { persistedQuery: { version: 2, sha256Hash: HASH } } }), /unsupported persisted query version 2/);
    refused(post({ extensions: { persistedQuery: { version: '1', sha256Hash: HASH } } }), /unsupported persisted query version "1"/);
    refused(post({ extensions: { persistedQuery: { sha256Hash: HASH } } }), /unsupported persisted query version nothing/);
    refused(post({ extensions: { persistedQuery: { version: 1 } } }), /sha256Hash must be 64 lowercase hex/);
    refused(post({ extensions: { persistedQuery: { version: 1, sha256Hash: HASH.toUpperCase() } } }), /sha256Hash must be 64 lowercase hex/);
    refused(post({ extensions: { persistedQuery: true } }), /persistedQuery must be an object/);
  });

  it('refuses fields of the wrong type', () => {
    refused(post({ query: 42 }), /query must be a string, received 42/);
    refused(post({ query: { kind: 'Document' } }), /query must be a string, received an object/);
    refused(post({ query: QUERY, operationName: ['Me'] }), /operationName must be a string/);
    refused(post({ query: QUERY, variables: [1] }), /variables must be a JSON object/);
    refused(post({ query: QUERY, variables: 'a=1' }), /variables must be a JSON object/);
  });

  it('refuses a body that is not a JSON object (a batch array must be split by the caller)', () => {
    refused(post([{ query: QUERY }]), /POST body must be a JSON object, received an array/);
    refused(post('query Me { me { id } }'), /POST body must be a JSON object/);
    refused(post(null), /received null/);
    refused(post(undefined), /POST body must be a JSON object/);
  });

  it('does not let a variable named "kind" pass for a refusal', () => {
    assert.deepEqual(extracted(post({ query: QUERY, variables: { kind: 'reject' } })), { query: QUERY, variables: { kind: 'reject' } });
  });

  describe('through the policy (extract, then decide)', () => {
    const manifest = ManifestIndex.of([
      { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: HASH, name: 'Me', type: 'query', body: QUERY }] },
    ]);
    const outcome = (input: HttpGraphQLInput, mode: 'safelist' | 'apq' = 'safelist') => {
      const result = extractPersistedQuery(input);
      return result.kind === 'reject' ? result : decide(mode, result.request, manifest);
    };

    it('refuses both a documentId and a body, even the matching body', () => {
      const matching = outcome(post({ documentId: `sha256:${HASH}`, query: QUERY }));
      assert.equal(matching.kind === 'reject' && matching.code, ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY);
      const viaGet = outcome(get({ documentId: `sha256:${HASH}`, query: 'query Evil { me { email } }' }), 'apq');
      assert.equal(viaGet.kind === 'reject' && viaGet.code, ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY);
    });

    it('refuses an APQ hash sent with a body that hashes differently (smuggling an unlisted body)', () => {
      const result = outcome(post({ query: 'query Evil { me { email } }', extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } }));
      assert.equal(result.kind === 'reject' && result.code, ErrorCode.PERSISTED_QUERY_HASH_MISMATCH);
    });
  });
});

describe('the body forwarded to Apollo Server', () => {
  it('carries the allowed text, never the id or the persistedQuery extension', () => {
    const request = extracted(post({ documentId: `sha256:${HASH}`, operationName: 'Me', variables: { a: 1 }, extensions: { trace: true } }));
    assert.deepEqual(toGraphQLRequestBody(request, QUERY), { query: QUERY, operationName: 'Me', variables: { a: 1 }, extensions: { trace: true } });
    assert.deepEqual(toGraphQLRequestBody(extracted(post({ extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } })), QUERY), { query: QUERY });
  });
});
