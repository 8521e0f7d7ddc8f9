import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { gatewayConfigFor, silentLogger, startRestServices, startSubgraphs } from '../support/system.ts';

/**
 * Hostile input against the gateway's protections, over real HTTP, through the
 * whole request path. Every refusal must be a well-formed GraphQL response: the
 * catalogue's HTTP status and `extensions.code`, no `data` key, the numbers the
 * catalogue promises, nothing internal (stack traces, node_modules, addresses).
 * "Refused quickly" is the runner's timeout (QUICK), not a timing assertion: the
 * machine running this is shared.
 *
 * One set of REST services and subgraphs serves five gateways, one per profile or
 * setting under test; each gateway has its own protections (limits, manifests,
 * APQ store, budgets), so they do not interfere.
 */

const QUICK = { timeout: 10_000 };

type Gateways = Record<'web' | 'mobile' | 'mobileFreeform' | 'production' | 'batching', RunningGateway>;
let gateways: Gateways;
let stopBackend: () => Promise<void>;

before(async () => {
  const rest = await startRestServices();
  const subgraphs = await startSubgraphs(rest);
  stopBackend = async () => {
    await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
    await Promise.all(Object.values(rest).map((s) => s.close()));
  };
  const start = (overrides: Record<string, unknown>) => startGateway(gatewayConfigFor(subgraphs, overrides), silentLogger);
  const [web, mobile, mobileFreeform, production, batching] = await Promise.all([
    start({}),
    start({ profile: 'mobile' }),
    // Mobile's limits and introspection setting, with free-form documents let through
    // (and audited), so what lies behind require-id can be reached.
    start({ profile: 'mobile', persistedQueries: { mode: 'audit' } }),
    // What NODE_ENV=production gives a web gateway (parseGatewayConfig): introspection off.
    start({ introspection: false }),
    start({ batching: { maxBatchSize: 2 } }),
  ]);
  gateways = { web: web!, mobile: mobile!, mobileFreeform: mobileFreeform!, production: production!, batching: batching! };
});

after(async () => {
  await Promise.all(Object.values(gateways ?? {}).map((g) => g.stop()));
  await stopBackend?.();
});

interface GraphQLError {
  message: string;
  extensions?: Record<string, unknown>;
}
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** A batch answers a JSON array instead. */
  body: { data?: unknown; errors?: GraphQLError[]; extensions?: Record<string, unknown> };
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    throw new Error(`HTTP ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** POSTs `body` (a value is sent as JSON, a string as is) with content-type application/json. */
async function post(gateway: RunningGateway, body: unknown, url = gateway.url): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answerOf(response);
}

async function get(gateway: RunningGateway, params: Record<string, string> | string, headers: Record<string, string> = { 'apollo-require-preflight': 'true' }): Promise<Answer> {
  return answerOf(await fetch(`${gateway.url}?${new URLSearchParams(params)}`, { headers }));
}

function assertNoLeak(answer: Answer): void {
  assert.doesNotMatch(answer.text, /stacktrace|\bat [\w.<>]+ \(|node_modules|127\.0\.0\.1|localhost/i, answer.text.slice(0, 500));
}

/** A refusal: the status, exactly one error with the code, no `data` key, JSON, nothing internal. Returns the error. */
function assertRefused(answer: Answer, status: number, code: string): GraphQLError {
  assert.equal(answer.status, status, answer.text.slice(0, 500));
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(answer.body.errors?.length, 1, answer.text.slice(0, 500));
  const [error] = answer.body.errors!;
  assert.equal(error!.extensions?.['code'], code, answer.text.slice(0, 500));
  assert.equal('data' in answer.body, false, 'a refusal has no data key');
  assertNoLeak(answer);
  return error!;
}

function assertLimit(answer: Answer, code: string, limit: { name: string; measured: number; max: number }): void {
  const error = assertRefused(answer, 400, code);
  assert.deepEqual(error.extensions?.['limit'], limit);
  assert.ok(error.message.includes(`(${limit.name})`), error.message);
}

function assertTooExpensive(answer: Answer, cost: { estimated: number; max: number }): void {
  const error = assertRefused(answer, 400, 'COST_ESTIMATED_TOO_EXPENSIVE');
  assert.deepEqual(error.extensions?.['cost'], cost);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const repeat = (count: number, make: (i: number) => string, separator = ' ') => Array.from({ length: count }, (_, i) => make(i)).join(separator);

interface ManifestOperation {
  id: string;
  name: string;
}
const mobileManifest = JSON.parse(readFileSync(new URL('../../persisted-queries/manifests/mobile.json', import.meta.url), 'utf8')) as { operations: ManifestOperation[] };
const mobileId = (name: string) => {
  const operation = mobileManifest.operations.find((o) => o.name === name);
  assert.ok(operation, `no ${name} in the mobile manifest`);
  return operation.id;
};

const featured = '{ featuredProducts { id } }';
const NOWHERE = 'prod-99999'; // no such product: if a refusal regresses, the query still fetches next to nothing

describe('aliases, depth and fragments: refused by the operation limits (web)', () => {
  it('refuses 1,000 aliases of featuredProducts on the token limit, before parsing', QUICK, async () => {
    const answer = await post(gateways.web, { query: `{ ${repeat(1_000, (i) => `a${i}: featuredProducts { id }`)} }` });
    assertLimit(answer, 'MAX_TOKENS_LIMIT', { name: 'maxTokens', measured: 5_001, max: 5_000 });
  });

  it('refuses 100 aliases of featuredProducts with MAX_ALIASES_LIMIT', QUICK, async () => {
    const answer = await post(gateways.web, { query: `{ ${repeat(100, (i) => `a${i}: featuredProducts { id }`)} }` });
    assertLimit(answer, 'MAX_ALIASES_LIMIT', { name: 'maxAliases', measured: 100, max: 30 });
  });

  it('counts aliases again each time their fragment is spread', QUICK, async () => {
    const query = `{ featuredProducts { ...A ...A ...A ...A } } fragment A on Product { ${repeat(10, (i) => `a${i}: id`)} }`;
    assertLimit(await post(gateways.web, { query }), 'MAX_ALIASES_LIMIT', { name: 'maxAliases', measured: 40, max: 30 });
  });

  it('refuses 25 root fields (aliases of __typename) with MAX_ROOT_FIELDS_LIMIT', QUICK, async () => {
    const answer = await post(gateways.web, { query: `{ ${repeat(25, (i) => `t${i}: __typename`)} }` });
    assertLimit(answer, 'MAX_ROOT_FIELDS_LIMIT', { name: 'maxRootFields', measured: 25, max: 20 });
  });

  it('refuses 16 nested relatedProducts (depth 17) with MAX_DEPTH_LIMIT', QUICK, async () => {
    const query = `{ product(id: "${NOWHERE}") { ${'relatedProducts { '.repeat(16)} id ${'} '.repeat(16)} } }`;
    assertLimit(await post(gateways.web, { query }), 'MAX_DEPTH_LIMIT', { name: 'maxDepth', measured: 17, max: 15 });
  });

  it('refuses depth hidden in a chain of 20 fragments, each nesting the next', QUICK, async () => {
    const chain = repeat(20, (i) => `fragment F${i} on Product { relatedProducts { ...F${i + 1} } }`, '\n');
    const query = `{ featuredProducts { ...F0 } }\n${chain}\nfragment F20 on Product { id }`;
    assertLimit(await post(gateways.web, { query }), 'MAX_DEPTH_LIMIT', { name: 'maxDepth', measured: 21, max: 15 });
  });

  it('refuses a fragment spread twice per level for 40 levels (2^41 fields) with MAX_HEIGHT_LIMIT, without expanding it', QUICK, async () => {
    const fanOut = repeat(40, (i) => `fragment F${i} on Product { ...F${i + 1} ...F${i + 1} }`, '\n');
    const query = `{ featuredProducts { ...F0 } }\n${fanOut}\nfragment F40 on Product { id name }`;
    assertLimit(await post(gateways.web, { query }), 'MAX_HEIGHT_LIMIT', { name: 'maxHeight', measured: 2 ** 41 + 1, max: 300 });
  });

  it('answers fragment cycles, direct or through another fragment, with 400 GRAPHQL_VALIDATION_FAILED', QUICK, async () => {
    const direct = await post(gateways.web, { query: '{ featuredProducts { ...A } } fragment A on Product { id relatedProducts { ...A } }' });
    assert.match(assertRefused(direct, 400, 'GRAPHQL_VALIDATION_FAILED').message, /Cannot spread fragment "A" within itself/);
    const through = await post(gateways.web, { query: '{ featuredProducts { ...A } } fragment A on Product { id ...B } fragment B on Product { name ...A }' });
    assert.match(assertRefused(through, 400, 'GRAPHQL_VALIDATION_FAILED').message, /Cannot spread fragment "A" within itself via "B"/);
  });

  it('refuses brackets nested past 500 levels as GRAPHQL_PARSE_FAILED instead of handing them to a parser no limit has measured', QUICK, async () => {
    // 600 levels of relatedProducts is only 1,800 tokens and 12 KB: within the text limits,
    // too deep for the bounded parser; it must not reach execution (or Apollo's recursive parser).
    const query = `{ product(id: "${NOWHERE}") { ${'relatedProducts { '.repeat(600)} id ${'} '.repeat(600)} } }`;
    const error = assertRefused(await post(gateways.web, { query }), 400, 'GRAPHQL_PARSE_FAILED');
    assert.match(error.message, /the parser accepts at most 500/);
    const list = await post(gateways.web, { query: `{ product(id: ${'['.repeat(2_000)}${']'.repeat(2_000)}) { id } }` });
    assert.match(assertRefused(list, 400, 'GRAPHQL_PARSE_FAILED').message, /the parser accepts at most 500/);
  });
});

describe('directives and oversized documents (web)', () => {
  it('refuses 5,000 directives written out on the token limit, before parsing', QUICK, async () => {
    const answer = await post(gateways.web, { query: `{ featuredProducts { id${' @a'.repeat(5_000)} } }` });
    assertLimit(answer, 'MAX_TOKENS_LIMIT', { name: 'maxTokens', measured: 5_001, max: 5_000 });
  });

  it('refuses 5,000 directives multiplied through fragments with MAX_DIRECTIVES_LIMIT', QUICK, async () => {
    const five = (name: string) => repeat(5, () => `...${name}`);
    const query = [
      '{ featuredProducts { ...A } }',
      `fragment A on Product { ${five('B')} }`,
      `fragment B on Product { ${five('C')} }`,
      `fragment C on Product { ${five('D')} }`,
      `fragment D on Product { id${' @include(if: true)'.repeat(40)} }`,
    ].join('\n');
    assertLimit(await post(gateways.web, { query }), 'MAX_DIRECTIVES_LIMIT', { name: 'maxDirectives', measured: 5_000, max: 50 });
  });

  it('refuses a 100 KB document with MAX_DOCUMENT_SIZE_LIMIT, measured in UTF-8 bytes', QUICK, async () => {
    const query = `${featured} # ${'x'.repeat(100 * 1024)}`;
    const answer = await post(gateways.web, { query });
    assertLimit(answer, 'MAX_DOCUMENT_SIZE_LIMIT', { name: 'maxDocumentBytes', measured: Buffer.byteLength(query), max: 65_536 });
  });

  it('refuses 2,400 copies of one field with MAX_VALIDATION_COMPLEXITY_LIMIT and says what was exceeded, not a bare "Validation aborted."', QUICK, async () => {
    const answer = await post(gateways.web, { query: `{ featuredProducts { ${'id '.repeat(2_400)}} }` });
    const error = assertRefused(answer, 400, 'MAX_VALIDATION_COMPLEXITY_LIMIT');
    assert.match(error.message, /2401 field selections .* more than 500000 comparisons/);
    assert.deepEqual(error.extensions?.['validation'], { fieldSelections: 2_401, maxComparisons: 500_000 });
  });

  it('still answers ordinary invalid documents with GRAPHQL_VALIDATION_FAILED and where the problem is', QUICK, async () => {
    const error = assertRefused(await post(gateways.web, { query: '{ featuredProducts { nope } }' }), 400, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(error.message, /Cannot query field "nope"/);
  });

  it('refuses a 2 MB body with 413 PAYLOAD_TOO_LARGE before parsing it', QUICK, async () => {
    const answer = await post(gateways.web, { query: `${featured} # ${'x'.repeat(2 * 1024 * 1024)}` });
    assert.match(assertRefused(answer, 413, 'PAYLOAD_TOO_LARGE').message, /1048576-byte limit/);
  });
});

describe('huge page sizes: the cost limit refuses them before any resolver runs', () => {
  const search = '{ searchProducts(first: 100000000) { nodes { id } } }';

  it('refuses searchProducts(first: 100000000) with COST_ESTIMATED_TOO_EXPENSIVE and its numbers', QUICK, async () => {
    // 10 (the call) + 1 (ProductConnection) + 100,000,000 × Product.
    assertTooExpensive(await post(gateways.web, { query: search }), { estimated: 100_000_011, max: 20_000 });
  });

  it('refuses the same page size sent as a variable, and 1e300 at the saturated maximum', QUICK, async () => {
    const query = 'query Search($n: Int) { searchProducts(first: $n) { nodes { id } } }';
    assertTooExpensive(await post(gateways.web, { query, variables: { n: 100_000_000 } }), { estimated: 100_000_011, max: 20_000 });
    assertTooExpensive(await post(gateways.web, { query, variables: { n: 1e300 } }), { estimated: Number.MAX_SAFE_INTEGER, max: 20_000 });
  });

  it('refuses a literal that is not a 32-bit Int with GRAPHQL_VALIDATION_FAILED', QUICK, async () => {
    const answer = await post(gateways.web, { query: '{ searchProducts(first: 3000000000) { nodes { id } } }' });
    assert.match(assertRefused(answer, 400, 'GRAPHQL_VALIDATION_FAILED').message, /non 32-bit signed integer/);
  });

  it('leaves a page size the cost allows but the catalog does not (101) to the resolver: a BAD_USER_INPUT field error', QUICK, async () => {
    const answer = await post(gateways.web, { query: '{ searchProducts(first: 101) { nodes { id } } }' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.data, null);
    assert.equal(answer.body.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.match(answer.body.errors![0]!.message, /first must be between 1 and 100, received 101/);
    assertNoLeak(answer);
  });

  it('refuses a huge page size in the variables of a mobile persisted query', QUICK, async () => {
    const answer = await post(gateways.mobile, { documentId: `sha256:${mobileId('Search')}`, variables: { query: 'a', first: 100_000_000 } });
    assertTooExpensive(answer, { estimated: 900_000_012, max: 5_000 });
  });
});

describe('malformed requests', () => {
  it('refuses malformed JSON and an empty body with 400 BAD_REQUEST', QUICK, async () => {
    assertRefused(await post(gateways.web, '{"query": '), 400, 'BAD_REQUEST');
    assertRefused(await post(gateways.web, ''), 400, 'BAD_REQUEST');
  });

  it('refuses JSON that is a string, a number, a boolean or null with 400 BAD_REQUEST', QUICK, async () => {
    for (const body of [JSON.stringify(featured), '42', 'true', 'null']) {
      const error = assertRefused(await post(gateways.web, body), 400, 'BAD_REQUEST');
      assert.match(error.message, /a POST body must be a JSON object/, body);
    }
  });

  it('refuses fields of the wrong type (query a number, variables an array) with 400 BAD_REQUEST', QUICK, async () => {
    assert.match(assertRefused(await post(gateways.web, { query: 42 }), 400, 'BAD_REQUEST').message, /query must be a string/);
    assert.match(assertRefused(await post(gateways.web, { query: featured, variables: [1] }), 400, 'BAD_REQUEST').message, /variables must be a JSON object/);
  });

  it('refuses an operationName that names no operation with 400 OPERATION_RESOLUTION_FAILURE, quoting at most a little of it', QUICK, async () => {
    const unknown = await post(gateways.web, { query: featured, operationName: 'Nope' });
    assert.equal(assertRefused(unknown, 400, 'OPERATION_RESOLUTION_FAILURE').message, 'Unknown operation named "Nope".');
    const huge = await post(gateways.web, { query: featured, operationName: 'x'.repeat(500_000) });
    assert.ok(assertRefused(huge, 400, 'OPERATION_RESOLUTION_FAILURE').message.length < 200);
    const ambiguous = await post(gateways.web, { query: 'query A { featuredProducts { id } } query B { categories { id } }' });
    assertRefused(ambiguous, 400, 'OPERATION_RESOLUTION_FAILURE');
  });

  it('refuses a subscription, which the schema does not have, with 400 GRAPHQL_VALIDATION_FAILED', QUICK, async () => {
    assertRefused(await post(gateways.web, { query: 'subscription { featuredProducts { id } }' }), 400, 'GRAPHQL_VALIDATION_FAILED');
  });
});

describe('persisted-query abuse', () => {
  const noCache = (answer: Answer) => assert.equal(answer.headers.get('cache-control'), 'private, no-cache, must-revalidate');

  it('refuses an APQ hash that is not 64 lowercase hex, or a version other than 1, with 400 BAD_REQUEST', QUICK, async () => {
    for (const persistedQuery of [
      { version: 1, sha256Hash: 'not-hex' },
      { version: 1, sha256Hash: 'A'.repeat(64) },
      { version: 1, sha256Hash: 'a'.repeat(10_000) },
      { version: 2, sha256Hash: 'a'.repeat(64) },
    ]) {
      const answer = await post(gateways.web, { extensions: { persistedQuery } });
      assert.ok(assertRefused(answer, 400, 'BAD_REQUEST').message.length < 300);
      noCache(answer);
    }
  });

  it('refuses an APQ hash sent with a body that hashes otherwise with 400 PERSISTED_QUERY_HASH_MISMATCH', QUICK, async () => {
    const answer = await post(gateways.web, { query: featured, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ categories { id } }') } } });
    assertRefused(answer, 400, 'PERSISTED_QUERY_HASH_MISMATCH');
    noCache(answer);
  });

  it('answers an unknown APQ hash on web with PERSISTED_QUERY_NOT_FOUND, HTTP 200 and no data (the retry signal)', QUICK, async () => {
    const answer = await post(gateways.web, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ categories { name } }') } } });
    assert.equal(assertRefused(answer, 200, 'PERSISTED_QUERY_NOT_FOUND').message, 'PersistedQueryNotFound');
  });

  it('refuses a malformed documentId (sha256:xyz, md5:…, 10 KB long, a number) with 400 BAD_REQUEST, without echoing it', QUICK, async () => {
    for (const documentId of ['sha256:xyz', `md5:${'a'.repeat(32)}`, `sha256:${'a'.repeat(10_000)}`, 42]) {
      const answer = await post(gateways.mobile, { documentId });
      assert.match(assertRefused(answer, 400, 'BAD_REQUEST').message, /documentId must be "sha256:" followed by 64 lowercase hex/);
      assert.ok(answer.text.length < 400, `${answer.text.length} characters`);
    }
  });

  it('refuses a documentId in the URL that differs from the one in the body with 400 BAD_REQUEST', QUICK, async () => {
    const url = `${gateways.mobile.url}?documentId=sha256:${'b'.repeat(64)}`;
    const answer = await post(gateways.mobile, { documentId: `sha256:${mobileId('Search')}`, variables: { query: 'a' } }, url);
    assert.match(assertRefused(answer, 400, 'BAD_REQUEST').message, /differ/);
  });

  it('refuses a documentId together with a query with 400 CANNOT_SEND_PQ_ID_AND_BODY, on web and mobile', QUICK, async () => {
    for (const gateway of [gateways.web, gateways.mobile]) {
      const answer = await post(gateway, { documentId: `sha256:${mobileId('Search')}`, query: featured });
      assertRefused(answer, 400, 'CANNOT_SEND_PQ_ID_AND_BODY');
      noCache(answer);
    }
  });

  it('refuses an unknown documentId on mobile with 400 PERSISTED_QUERY_NOT_IN_LIST', QUICK, async () => {
    const answer = await post(gateways.mobile, { documentId: `sha256:${sha256(featured)}` });
    assertRefused(answer, 400, 'PERSISTED_QUERY_NOT_IN_LIST');
    noCache(answer);
  });

  it('refuses an APQ registration of an unlisted operation on mobile with 400 PERSISTED_QUERY_NOT_IN_LIST', QUICK, async () => {
    const answer = await post(gateways.mobile, { query: featured, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(featured) } } });
    assertRefused(answer, 400, 'PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('refuses a free-form query on mobile with 400 PERSISTED_QUERY_ID_REQUIRED, hostile or not, before parsing it', QUICK, async () => {
    for (const query of [featured, `{ ${repeat(1_000, (i) => `a${i}: featuredProducts { id }`)} }`, '{ featuredProducts { ...A } } fragment A on Product { ...A }']) {
      assertRefused(await post(gateways.mobile, { query }), 400, 'PERSISTED_QUERY_ID_REQUIRED');
    }
  });
});

describe('batched requests', () => {
  const batchOf = (n: number) => Array.from({ length: n }, () => ({ query: featured }));

  it('refuses any JSON array with 400 BATCH_LIMIT while batching is off (the default)', QUICK, async () => {
    assertRefused(await post(gateways.web, batchOf(2)), 400, 'BATCH_LIMIT');
    assertRefused(await post(gateways.web, []), 400, 'BATCH_LIMIT');
    assertRefused(await post(gateways.mobile, [{ documentId: `sha256:${mobileId('Search')}`, variables: { query: 'a' } }]), 400, 'BATCH_LIMIT');
  });

  it('with maxBatchSize 2, refuses a batch of 3 and an empty one with 400 BATCH_LIMIT', QUICK, async () => {
    assert.match(assertRefused(await post(gateways.batching, batchOf(3)), 400, 'BATCH_LIMIT').message, /1 to 2 operations, received 3/);
    assertRefused(await post(gateways.batching, []), 400, 'BATCH_LIMIT');
  });

  it('with maxBatchSize 2, answers a batch of 2 with an array of 2 results in order', QUICK, async () => {
    const answer = await post(gateways.batching, [{ query: featured }, { query: '{ categories { id } }' }]);
    assert.equal(answer.status, 200);
    const results = answer.body as unknown as { data: Record<string, unknown[]> }[];
    assert.ok(Array.isArray(results));
    assert.equal(results.length, 2);
    const [first, second] = results;
    assert.equal(first!.data['featuredProducts']!.length, 12);
    assert.ok(second!.data['categories']!.length > 0);
  });

  it('refuses the whole batch when one operation is hostile or malformed, with that operation\'s code', QUICK, async () => {
    const bomb = { query: `{ ${repeat(100, (i) => `a${i}: featuredProducts { id }`)} }` };
    assertLimit(await post(gateways.batching, [{ query: featured }, bomb]), 'MAX_ALIASES_LIMIT', { name: 'maxAliases', measured: 100, max: 30 });
    assertRefused(await post(gateways.batching, [{ query: featured }, 'x']), 400, 'BAD_REQUEST');
  });
});

describe('introspection and schema details where introspection is off', () => {
  const misspelt = '{ featuredProduct { id } }';

  it('mobile: refuses __schema with 400 PERSISTED_QUERY_ID_REQUIRED, before it is parsed', QUICK, async () => {
    assertRefused(await post(gateways.mobile, { query: '{ __schema { types { name } } }' }), 400, 'PERSISTED_QUERY_ID_REQUIRED');
  });

  it('mobile settings with free-form documents allowed: __schema refused with 400 GRAPHQL_VALIDATION_FAILED, no "Did you mean"', QUICK, async () => {
    const introspection = assertRefused(await post(gateways.mobileFreeform, { query: '{ __schema { types { name } } }' }), 400, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(introspection.extensions?.['validationErrorCode'], 'INTROSPECTION_DISABLED');
    const unknownField = assertRefused(await post(gateways.mobileFreeform, { query: misspelt }), 400, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(unknownField.message, 'Cannot query field "featuredProduct" on type "Query".');
  });

  it('mobile settings with free-form documents allowed: the tighter mobile limits apply', QUICK, async () => {
    const aliases = await post(gateways.mobileFreeform, { query: `{ ${repeat(20, (i) => `a${i}: featuredProducts { id }`)} }` });
    assertLimit(aliases, 'MAX_ALIASES_LIMIT', { name: 'maxAliases', measured: 20, max: 15 });
    const deep = await post(gateways.mobileFreeform, { query: `{ product(id: "${NOWHERE}") { ${'relatedProducts { '.repeat(10)} id ${'} '.repeat(10)} } }` });
    assertLimit(deep, 'MAX_DEPTH_LIMIT', { name: 'maxDepth', measured: 11, max: 10 });
    const tokens = await post(gateways.mobileFreeform, { query: `{ featuredProducts { ${'id '.repeat(1_200)}} }` });
    assertLimit(tokens, 'MAX_TOKENS_LIMIT', { name: 'maxTokens', measured: 1_001, max: 1_000 });
  });

  it('production-like web (introspection off): __schema and __type refused with 400 GRAPHQL_VALIDATION_FAILED', QUICK, async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Product") { fields { name } } }']) {
      const error = assertRefused(await post(gateways.production, { query }), 400, 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(error.extensions?.['validationErrorCode'], 'INTROSPECTION_DISABLED');
      assert.equal(error.message, 'Introspection is disabled on this endpoint', 'the message does not name the server software');
    }
  });

  it('production-like web: a validation error suggests no field names; web with introspection on does', QUICK, async () => {
    const hidden = assertRefused(await post(gateways.production, { query: misspelt }), 400, 'GRAPHQL_VALIDATION_FAILED');
    assert.doesNotMatch(hidden.message, /Did you mean/);
    const shown = assertRefused(await post(gateways.web, { query: misspelt }), 400, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(shown.message, /Did you mean "featuredProducts"/);
  });
});

describe('methods and CSRF', () => {
  it('refuses a mutation over GET with 405 and Allow: POST, free-form on web and by id on mobile', QUICK, async () => {
    const web = await get(gateways.web, { query: 'mutation { addToCart(productId: "prod-00001") { id } }' });
    assertRefused(web, 405, 'BAD_REQUEST');
    assert.equal(web.headers.get('allow'), 'POST');
    const mobile = await get(gateways.mobile, { documentId: `sha256:${mobileId('AddToCart')}`, variables: JSON.stringify({ productId: 'prod-00001' }) });
    assertRefused(mobile, 405, 'BAD_REQUEST');
    assert.equal(mobile.headers.get('allow'), 'POST');
  });

  it('refuses a GET without a CSRF-preventing header with 400 BAD_REQUEST', QUICK, async () => {
    assert.match(assertRefused(await get(gateways.web, { query: featured }, {}), 400, 'BAD_REQUEST').message, /Cross-Site Request Forgery/);
  });

  it('refuses a GET whose query parameter is given twice, or whose variables are not JSON, with 400 BAD_REQUEST', QUICK, async () => {
    assertRefused(await get(gateways.web, `query=${encodeURIComponent(featured)}&query=${encodeURIComponent(featured)}`), 400, 'BAD_REQUEST');
    assertRefused(await get(gateways.web, { query: featured, variables: 'not json' }), 400, 'BAD_REQUEST');
  });
});

describe('after all of the above', () => {
  it('every gateway still answers a normal query', QUICK, async () => {
    for (const gateway of [gateways.web, gateways.production, gateways.mobileFreeform]) {
      const answer = await post(gateway, { query: featured });
      assert.equal(answer.status, 200, answer.text.slice(0, 300));
      assert.equal((answer.body.data as { featuredProducts: unknown[] }).featuredProducts.length, 12);
    }
    const mobile = await post(gateways.mobile, { documentId: `sha256:${mobileId('Search')}`, variables: { query: 'a', first: 3 } });
    assert.equal(mobile.status, 200, mobile.text.slice(0, 300));
    assert.equal((mobile.body.data as { searchProducts: { nodes: unknown[] } }).searchProducts.nodes.length, 3);
    const batch = await post(gateways.batching, [{ query: featured }]);
    assert.equal(batch.status, 200);
  });

  it('answers a normal query while hostile documents arrive at the same time', QUICK, async () => {
    const fanOut = `{ featuredProducts { ...F0 } }\n${repeat(40, (i) => `fragment F${i} on Product { ...F${i + 1} ...F${i + 1} }`, '\n')}\nfragment F40 on Product { id }`;
    const hostile = Array.from({ length: 20 }, () => post(gateways.web, { query: fanOut }));
    const [normal, ...refused] = await Promise.all([post(gateways.web, { query: featured }), ...hostile]);
    assert.equal(normal!.status, 200);
    for (const answer of refused) assert.equal(answer.body.errors?.[0]?.extensions?.['code'], 'MAX_HEIGHT_LIMIT');
  });
});
