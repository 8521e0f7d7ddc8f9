import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import {
  Kind,
  NoFragmentCyclesRule,
  OperationTypeNode,
  buildSchema,
  parse,
  validate,
  type DocumentNode,
  type SelectionSetNode,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { DEFAULT_LIMITS, checkOperation, checkPreParse } from '../../gateway/admission/limits/limits.ts';
import { measureOperation, type OperationMetrics } from '../../gateway/admission/limits/operation-metrics.ts';
import { countTokens, documentBytes, parseWithinLimits } from '../../gateway/admission/limits/tokens.ts';

// The schema only matters to graphql-depth-limit's validation pass; measuring never validates fields.
const schema = buildSchema('type Query { a: Query b: Query x: Int }');
const web = DEFAULT_LIMITS.web;

/** Runs `fn`, failing the test if it takes longer than `ms` (a hang shows up as a timeout instead). */
function within<T>(ms: number, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  const took = performance.now() - started;
  assert.ok(took < ms, `took ${took.toFixed(0)} ms, expected under ${ms} ms`);
  return result;
}

/** graphql-depth-limit logs to console.error before rethrowing; a hostile document must never reach that. */
function forbidConsoleError(t: TestContext): void {
  t.mock.method(console, 'error', () => assert.fail('console.error was called'));
}

function measure(source: string | DocumentNode): OperationMetrics {
  return measureOperation(typeof source === 'string' ? parse(source) : source);
}

function refusedFor(metrics: OperationMetrics): string[] {
  return checkOperation(metrics, web).map((v) => v.code);
}

/** `{ a { a { … { x } } } }` built as an AST: graphql-js's own parser overflows its stack near 2,000 levels. */
function nested(levels: number): DocumentNode {
  let selectionSet: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'x' } }],
  };
  for (let i = 0; i < levels; i++) {
    selectionSet = {
      kind: Kind.SELECTION_SET,
      selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'a' }, selectionSet }],
    };
  }
  return { kind: Kind.DOCUMENT, definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: OperationTypeNode.QUERY, selectionSet }] };
}

/** Fragment F0 spreads F1 `width` times, F1 spreads F2 `width` times, … ("billion laughs"). */
function fanOut(levels: number, width: number, leaf = 'x'): string {
  const spreads = (i: number) => Array.from({ length: width }, () => `...F${i + 1}`).join(' ');
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ${spreads(i)} }`);
  return ['query Laughs { ...F0 }', ...fragments, `fragment F${levels} on Query { ${leaf} }`].join('\n');
}

describe('operation metrics on hostile documents', () => {
  it('counts an alias bomb of 10,000 aliases exactly and refuses it', (t) => {
    forbidConsoleError(t);
    const source = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: x`).join(' ')} }`;
    const metrics = within(2_000, () => measure(source));
    assert.deepEqual(metrics, { depth: 0, aliases: 10_000, rootFields: 10_000, height: 10_000, directives: 0 });
    assert.deepEqual(refusedFor(metrics), ['MAX_ALIASES_LIMIT', 'MAX_ROOT_FIELDS_LIMIT', 'MAX_HEIGHT_LIMIT']);
  });

  it('counts 5,000 directives on one field and refuses them', (t) => {
    forbidConsoleError(t);
    const metrics = within(2_000, () => measure(`{ x${' @skip(if: false)'.repeat(5_000)} }`));
    assert.equal(metrics.directives, 5_000);
    assert.deepEqual(refusedFor(metrics), ['MAX_DIRECTIVES_LIMIT']);
  });

  it('measures a fragment spread twice per level for 40 levels in milliseconds, and refuses it', (t) => {
    forbidConsoleError(t);
    // graphql-depth-limit alone needs ~4 s for 24 levels and doubles with each level.
    const metrics = within(1_000, () => measure(fanOut(40, 2, 'x a { x @include(if: true) }')));
    assert.equal(metrics.height, 3 * 2 ** 40);
    assert.equal(metrics.directives, 2 ** 40);
    assert.equal(metrics.depth, 1);
    assert.equal(metrics.rootFields, 2);
    assert.deepEqual(refusedFor(metrics), ['MAX_HEIGHT_LIMIT', 'MAX_DIRECTIVES_LIMIT']);
  });

  it('saturates at Number.MAX_SAFE_INTEGER instead of overflowing to Infinity or losing precision', (t) => {
    forbidConsoleError(t);
    const metrics = within(1_000, () => measure(fanOut(100, 3, 'al: x')));
    assert.equal(metrics.height, Number.MAX_SAFE_INTEGER);
    assert.equal(metrics.aliases, Number.MAX_SAFE_INTEGER);
    assert.ok(Object.values(metrics).every(Number.isSafeInteger));
  });

  it('does not loop on a fragment that spreads itself, directly or through others', (t) => {
    forbidConsoleError(t);
    const cycles = [
      'query Q { ...A } fragment A on Query { x ...A }',
      'query Q { ...A } fragment A on Query { x ...B } fragment B on Query { a { x } ...A }',
      'query Q { ...A } fragment A on Query { a { ...A } }',
    ];
    for (const source of cycles) {
      const metrics = within(500, () => measure(source));
      assert.ok(Object.values(metrics).every(Number.isSafeInteger), source);
      // The document is refused by validation anyway; measuring must only not crash or hang first.
      assert.equal(validate(schema, parse(source), [NoFragmentCyclesRule]).length, 1, source);
    }
    assert.deepEqual(measure(cycles[1]!), { depth: 1, aliases: 0, rootFields: 2, height: 3, directives: 0 });
  });

  it('ignores a spread of an unknown fragment instead of throwing', (t) => {
    forbidConsoleError(t);
    assert.deepEqual(measure('query Q { a { x } ...Missing }'), { depth: 1, aliases: 0, rootFields: 1, height: 2, directives: 0 });
  });

  it('measures 2,000 and 100,000 levels of nesting without overflowing the stack', (t) => {
    forbidConsoleError(t);
    assert.deepEqual(measure(nested(2_000)), { depth: 2_000, aliases: 0, rootFields: 1, height: 2_001, directives: 0 });
    const deep = within(3_000, () => measure(nested(100_000)));
    assert.equal(deep.depth, 100_000);
    assert.deepEqual(refusedFor(deep), ['MAX_DEPTH_LIMIT', 'MAX_HEIGHT_LIMIT']);
  });

  it('measures a chain of 5,000 fragments, each spreading the next, without overflowing the stack', (t) => {
    forbidConsoleError(t);
    const fragments = Array.from({ length: 5_000 }, (_, i) => `fragment F${i} on Query { a { ...F${i + 1} } }`);
    const source = ['query Chain { ...F0 }', ...fragments, 'fragment F5000 on Query { x }'].join('\n');
    const metrics = within(2_000, () => measure(source));
    assert.equal(metrics.depth, 5_000);
    assert.equal(metrics.height, 5_001);
  });

  it('measures a selection set of 200,000 fields (graphql-depth-limit would overflow Math.max)', (t) => {
    forbidConsoleError(t);
    const metrics = within(5_000, () => measure(`{ a { b {${' x'.repeat(200_000)} } } }`));
    assert.deepEqual(metrics, { depth: 2, aliases: 0, rootFields: 1, height: 3, directives: 0 });
  });

  it('reports the same depth as graphql-depth-limit when it is too costly to run it', (t) => {
    forbidConsoleError(t);
    const shape = '{ a { b { a { x } } } }';
    let depths: Record<string, number> = {};
    validate(schema, parse(shape), [depthLimit(100, {}, (d) => (depths = d))]);
    assert.equal(depths[''], 3);
    // 60,000 extra fields push the work over the budget at which graphql-depth-limit is run.
    const wide = `{ a { b { a { x } } } ${Array.from({ length: 60_000 }, (_, i) => `f${i}: x`).join(' ')} }`;
    assert.equal(measure(wide).depth, 3);
  });
});

describe('pre-parse limits on oversized documents', () => {
  it('refuses a 10 MB document on bytes and tokens in bounded time', () => {
    const source = `{${' x'.repeat(5_000_000)} }`;
    const violations = within(1_000, () => checkPreParse(source, web));
    assert.deepEqual(
      violations.map((v) => [v.code, v.measured]),
      [
        ['MAX_DOCUMENT_SIZE_LIMIT', 10_000_003],
        ['MAX_TOKENS_LIMIT', 5_001],
      ],
    );
  });

  it('stops counting 1 MB of tokens just after the maximum', () => {
    const source = '{ a '.repeat(250_000);
    assert.equal(documentBytes(source), 1_000_000);
    assert.equal(within(200, () => countTokens(source, 1_000)), 1_001);
    const unlimited = { ...web, maxDocumentBytes: { max: null, mode: 'enforce' } } as const;
    assert.deepEqual(
      checkPreParse(source, unlimited).map((v) => v.message),
      ['Number of lexical tokens in the document is more than 5000; the maximum is 5000 (maxTokens).'],
    );
  });

  it('refuses 1 MB of comments on bytes, since comments are not tokens', () => {
    const source = '# padding padding padding padding padding\n'.repeat(25_000) + '{ x }';
    assert.equal(countTokens(source, 10), 3);
    assert.deepEqual(checkPreParse(source, web).map((v) => v.code), ['MAX_DOCUMENT_SIZE_LIMIT']);
  });

  it('refuses a single 1 MB string on bytes, since it is one token', () => {
    const source = `{ a(s: "${'z'.repeat(1_000_000)}") }`;
    assert.equal(countTokens(source, 100), 8);
    assert.deepEqual(checkPreParse(source, web).map((v) => v.code), ['MAX_DOCUMENT_SIZE_LIMIT']);
  });

  it('counts multi-byte characters by their UTF-8 size', () => {
    const source = `{ a(s: "${'€'.repeat(30_000)}") }`;
    assert.equal(source.length, 30_012);
    assert.deepEqual(checkPreParse(source, web).map((v) => [v.code, v.measured]), [['MAX_DOCUMENT_SIZE_LIMIT', 90_012]]);
  });

  it('does not throw on text that does not lex (stray characters, unterminated strings)', () => {
    for (const source of ['{ a \u0007 b }', '{ a(s: "never closed', '"""', '{ a(n: 1.) }', '\uD800']) {
      assert.doesNotThrow(() => checkPreParse(source, web), JSON.stringify(source));
      const parsed = parseWithinLimits(source, 5_000);
      assert.ok(!parsed.ok && parsed.reason === 'syntax', JSON.stringify(source));
    }
  });

  it('refuses brackets nested too deep for the parser instead of overflowing its stack', () => {
    for (const source of [
      `{${'a{'.repeat(2_400)}x${'}'.repeat(2_401)}`,
      `{ a(v: ${'['.repeat(100_000)}1${']'.repeat(100_000)}) }`,
      `{ a(v: ${'{k:'.repeat(600)}1${'}'.repeat(600)}) }`,
    ]) {
      const parsed = within(1_000, () => parseWithinLimits(source, null));
      assert.ok(!parsed.ok && parsed.reason === 'tooDeeplyNested', source.slice(0, 30));
    }
    assert.ok(parseWithinLimits(`{${'a{'.repeat(400)}x${'}'.repeat(401)}`, null).ok);
  });

  it('refuses a document over the token limit before the parser builds anything', () => {
    const parsed = within(200, () => parseWithinLimits('{ a '.repeat(250_000), 5_000));
    assert.ok(!parsed.ok && parsed.reason === 'tooManyTokens');
  });
});
