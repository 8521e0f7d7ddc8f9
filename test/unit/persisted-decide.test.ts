import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../common/errors.ts';
import { apqLookupFor, decide, PERSISTED_QUERY_MODES, type PersistedQueryMode, type PersistedQueryOutcome } from '../../gateway/admission/persisted-queries/decide.ts';
import { hashOperation, ManifestIndex, MANIFEST_FORMAT } from '../../gateway/admission/persisted-queries/manifest.ts';
import type { PersistedQueryRequest } from '../../gateway/admission/persisted-queries/request.ts';

const LISTED = 'query Listed {\n  me {\n    id\n  }\n}';
const LISTED_ID = hashOperation(LISTED);
const UNLISTED = 'query Unlisted {\n  featuredProducts {\n    id\n  }\n}';
const UNLISTED_ID = hashOperation(UNLISTED);
const GARBAGE = '}}} not { GraphQL';

const manifest = ManifestIndex.of([
  { format: MANIFEST_FORMAT, version: 1, operations: [{ id: LISTED_ID, name: 'Listed', type: 'query', body: LISTED, clientName: 'web' }] },
]);

/** What a row expects in one mode: an allow (via, and whether it registers) or a reject (code, status). */
type Expected =
  | { allow: 'manifest' | 'apq' | 'freeform' | 'audit-unknown'; query: string; register?: true }
  | { code: ErrorCode; status: number };

const listed: Expected = { allow: 'manifest', query: LISTED };
const notInList: Expected = { code: ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, status: 400 };
const notFound: Expected = { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND, status: 200 };
const idRequired: Expected = { code: ErrorCode.PERSISTED_QUERY_ID_REQUIRED, status: 400 };
const mismatch: Expected = { code: ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, status: 400 };
const idAndBody: Expected = { code: ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY, status: 400 };
const badRequest: Expected = { code: ErrorCode.BAD_REQUEST, status: 400 };
const everyMode = (expected: Expected): Record<PersistedQueryMode, Expected> => ({ safelist: expected, 'require-id': expected, apq: expected, audit: expected });

interface Row {
  readonly input: string;
  readonly request: PersistedQueryRequest;
  /** What the APQ store answered for apqLookupFor(...), when the caller looked it up. */
  readonly stored?: string;
  readonly expect: Record<PersistedQueryMode, Expected>;
}

const TABLE: readonly Row[] = [
  { input: 'a listed documentId', request: { documentId: LISTED_ID }, expect: everyMode(listed) },
  { input: 'a listed APQ hash', request: { apqHash: LISTED_ID }, expect: everyMode(listed) },
  {
    input: 'an unlisted documentId the APQ store does not know',
    request: { documentId: UNLISTED_ID },
    expect: { safelist: notInList, 'require-id': notInList, apq: notFound, audit: notFound },
  },
  {
    input: 'an unlisted documentId the APQ store knows',
    request: { documentId: UNLISTED_ID },
    stored: UNLISTED,
    expect: { safelist: notInList, 'require-id': notInList, apq: { allow: 'apq', query: UNLISTED }, audit: { allow: 'audit-unknown', query: UNLISTED } },
  },
  {
    input: 'an unlisted APQ hash the store knows',
    request: { apqHash: UNLISTED_ID },
    stored: UNLISTED,
    expect: { safelist: notInList, 'require-id': notInList, apq: { allow: 'apq', query: UNLISTED }, audit: { allow: 'audit-unknown', query: UNLISTED } },
  },
  {
    input: 'an unlisted APQ hash the store misses',
    request: { apqHash: UNLISTED_ID },
    expect: { safelist: notInList, 'require-id': notInList, apq: notFound, audit: notFound },
  },
  {
    input: 'an APQ hash whose stored text hashes to something else (poisoned shared store)',
    request: { apqHash: UNLISTED_ID },
    stored: 'query Evil { me { email } }',
    expect: { safelist: notInList, 'require-id': notInList, apq: notFound, audit: notFound },
  },
  {
    input: 'a body that is exactly a manifest body',
    request: { query: LISTED },
    expect: { safelist: listed, 'require-id': idRequired, apq: listed, audit: listed },
  },
  {
    input: 'a listed operation reformatted (not byte-identical)',
    request: { query: 'query Listed { me { id } }' },
    expect: {
      safelist: notInList,
      'require-id': idRequired,
      apq: { allow: 'freeform', query: 'query Listed { me { id } }' },
      audit: { allow: 'audit-unknown', query: 'query Listed { me { id } }' },
    },
  },
  {
    input: 'an unlisted body',
    request: { query: UNLISTED },
    expect: { safelist: notInList, 'require-id': idRequired, apq: { allow: 'freeform', query: UNLISTED }, audit: { allow: 'audit-unknown', query: UNLISTED } },
  },
  {
    input: 'a body that does not even parse (refused before parsing)',
    request: { query: GARBAGE },
    expect: { safelist: notInList, 'require-id': idRequired, apq: { allow: 'freeform', query: GARBAGE }, audit: { allow: 'audit-unknown', query: GARBAGE } },
  },
  {
    input: 'an APQ registration of an unlisted operation (hash + matching body)',
    request: { apqHash: UNLISTED_ID, query: UNLISTED },
    expect: {
      safelist: notInList,
      'require-id': notInList,
      apq: { allow: 'apq', query: UNLISTED, register: true },
      audit: { allow: 'audit-unknown', query: UNLISTED, register: true },
    },
  },
  { input: 'an APQ hash with the matching listed body', request: { apqHash: LISTED_ID, query: LISTED }, expect: everyMode(listed) },
  { input: 'an APQ hash with a body that hashes differently', request: { apqHash: LISTED_ID, query: UNLISTED }, expect: everyMode(mismatch) },
  { input: 'a documentId with its own body', request: { documentId: LISTED_ID, query: LISTED }, expect: everyMode(idAndBody) },
  { input: 'a documentId with a different body', request: { documentId: LISTED_ID, query: UNLISTED }, expect: everyMode(idAndBody) },
  { input: 'no body and no id', request: {}, expect: everyMode(badRequest) },
];

function check(outcome: PersistedQueryOutcome, expected: Expected): void {
  if ('code' in expected) {
    assert.equal(outcome.kind, 'reject', `expected ${expected.code}, got ${JSON.stringify(outcome)}`);
    if (outcome.kind !== 'reject') return;
    assert.equal(outcome.code, expected.code);
    assert.equal(outcome.status, expected.status);
    assert.ok(outcome.message.length > 0 && outcome.message.length < 200);
    return;
  }
  assert.equal(outcome.kind, 'allow', `expected allow via ${expected.allow}, got ${JSON.stringify(outcome)}`);
  if (outcome.kind !== 'allow') return;
  assert.equal(outcome.via, expected.allow);
  assert.equal(outcome.query, expected.query);
  assert.deepEqual(outcome.register, expected.register ? { hash: hashOperation(expected.query), query: expected.query } : undefined);
  if (expected.allow === 'manifest') assert.equal(outcome.operation?.id, hashOperation(expected.query));
}

describe('persisted-query decision', () => {
  it('documents every mode in the mode table of docs/persisted-queries.md, and no other', () => {
    const doc = readFileSync(new URL('../../docs/persisted-queries.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([a-z-]+)` \| (?:allowed|never)/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), [...PERSISTED_QUERY_MODES].sort());
  });

  for (const mode of PERSISTED_QUERY_MODES) {
    describe(`${mode} mode`, () => {
      for (const row of TABLE) {
        const expected = row.expect[mode];
        const what = 'code' in expected ? `refuses with ${expected.code} (HTTP ${expected.status})` : `allows via ${expected.allow}${expected.register ? ' and registers it' : ''}`;
        it(`${what}: ${row.input}`, () => {
          // The caller only consults the store when apqLookupFor asks for it.
          const lookup = apqLookupFor(mode, row.request, manifest);
          check(decide(mode, row.request, manifest, lookup === undefined ? undefined : row.stored), expected);
        });
      }
    });
  }

  it('never registers in safelist or require-id mode, whatever the request', () => {
    for (const mode of ['safelist', 'require-id'] as const) {
      for (const row of TABLE) {
        const outcome = decide(mode, row.request, manifest, row.stored);
        assert.ok(outcome.kind === 'reject' || outcome.register === undefined, `${mode}: ${row.input}`);
      }
    }
  });

  it('answers the APQ miss with the message Apollo clients retry on', () => {
    const outcome = decide('apq', { apqHash: UNLISTED_ID }, manifest);
    assert.equal(outcome.kind === 'reject' && outcome.message, 'PersistedQueryNotFound');
  });

  it('executes the manifest text for a listed id, never text from the request or the store', () => {
    const outcome = decide('apq', { apqHash: LISTED_ID }, manifest, 'query Other { me { email } }');
    assert.equal(outcome.kind === 'allow' && outcome.query, LISTED);
  });
});

describe('APQ store lookups (apqLookupFor)', () => {
  const cases: readonly [string, PersistedQueryRequest, Record<PersistedQueryMode, string | undefined>][] = [
    ['an unlisted hash alone', { apqHash: UNLISTED_ID }, { safelist: undefined, 'require-id': undefined, apq: UNLISTED_ID, audit: UNLISTED_ID }],
    ['an unlisted documentId', { documentId: UNLISTED_ID }, { safelist: undefined, 'require-id': undefined, apq: UNLISTED_ID, audit: UNLISTED_ID }],
    ['a listed hash (the manifest answers)', { apqHash: LISTED_ID }, { safelist: undefined, 'require-id': undefined, apq: undefined, audit: undefined }],
    ['a registration (the body is there)', { apqHash: UNLISTED_ID, query: UNLISTED }, { safelist: undefined, 'require-id': undefined, apq: undefined, audit: undefined }],
    ['a free-form body', { query: UNLISTED }, { safelist: undefined, 'require-id': undefined, apq: undefined, audit: undefined }],
  ];
  for (const [input, request, expected] of cases) {
    it(`asks for the store only when the answer matters: ${input}`, () => {
      for (const mode of PERSISTED_QUERY_MODES) assert.equal(apqLookupFor(mode, request, manifest), expected[mode], mode);
    });
  }
});
