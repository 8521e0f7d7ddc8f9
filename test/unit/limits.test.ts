import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
// A dependency of @apollo/gateway (same pinned 2.14.4), used here only to build the API schema the gateway serves.
import { Supergraph } from '@apollo/federation-internals';
import { getIntrospectionQuery, parse, validate, type GraphQLSchema } from 'graphql';
// The test oracle for depth: the gateway counts as it does, without running it (operation-metrics.ts says why).
import depthLimit from 'graphql-depth-limit';
import { ErrorCode } from '../../common/errors.ts';
import {
  DEFAULT_LIMITS,
  LIMIT_DOCS,
  LIMIT_NAMES,
  checkOperation,
  checkPreParse,
  type LimitName,
  type LimitPolicy,
} from '../../gateway/admission/limits/limits.ts';
import { applyLimitOverrides, limitPolicySchema } from '../../gateway/admission/limits/config.ts';
import { measureOperation, type OperationMetrics } from '../../gateway/admission/limits/operation-metrics.ts';
import { countTokens, documentBytes, parseWithinLimits } from '../../gateway/admission/limits/tokens.ts';

const root = new URL('../../', import.meta.url);
const schema: GraphQLSchema = Supergraph.build(readFileSync(new URL('schema/supergraph.graphql', root), 'utf8'))
  .apiSchema()
  .toGraphQLJSSchema();
const FRONT_PAGE = readFileSync(new URL('persisted-queries/web/FrontPage.graphql', root), 'utf8');

const measure = (source: string, operationName?: string): OperationMetrics => measureOperation(parse(source), operationName);

/** A policy with every limit off except the ones given. */
function policy(settings: Partial<Record<LimitName, { max: number | null; mode: 'measure' | 'enforce' }>>): LimitPolicy {
  return Object.fromEntries(LIMIT_NAMES.map((name) => [name, settings[name] ?? { max: null, mode: 'enforce' }])) as LimitPolicy;
}

const METRICS: OperationMetrics = { depth: 5, aliases: 5, rootFields: 5, height: 5, directives: 5 };

describe('operation metrics', () => {
  describe('depth (graphql-depth-limit counting)', () => {
    it('counts fields that have a sub-selection; a leaf field adds nothing', () => {
      assert.equal(measure('{ me { name } }').depth, 1);
      assert.equal(measure('{ me { cart { items { quantity } } } }').depth, 3);
      assert.equal(measure('{ featuredProducts { id } me { cart { id } } }').depth, 2);
    });

    it('looks through named and inline fragments', () => {
      const source = `
        query { me { ...CartPart } }
        fragment CartPart on User { cart { ... on Cart { items { product { name } } } } }`;
      assert.equal(measure(source).depth, 4);
    });

    it('does not count __typename or introspection fields, as graphql-depth-limit ignores them', () => {
      assert.equal(measure('{ __schema { types { fields { type { name } } } } me { __typename } }').depth, 1);
    });

    it('measures FrontPage at 6 (me > cart > items > product > price > effectivePrice)', () => {
      assert.equal(measure(FRONT_PAGE).depth, 6);
    });

    it('agrees with graphql-depth-limit on every operation the clients ship and on fragment shapes', () => {
      const shipped = ['web', 'mobile'].flatMap((client) =>
        readdirSync(new URL(`persisted-queries/${client}/`, root)).map((file) => readFileSync(new URL(`persisted-queries/${client}/${file}`, root), 'utf8')),
      );
      const shapes = [
        '{ me { name } }',
        '{ __schema { types { fields { type { name } } } } me { __typename } }',
        'query { me { ...C } } fragment C on User { cart { ... on Cart { items { product { name } } } } }',
        'query { me { ...A ...B } } fragment A on User { cart { id } } fragment B on User { cart { items { quantity } } }',
      ];
      assert.ok(shipped.length >= 10, 'the persisted operations were read');
      for (const source of [...shipped, ...shapes]) {
        const document = parse(source);
        let oracle: Record<string, number> = {};
        validate(schema, document, [depthLimit(1_000, {}, (depths) => (oracle = depths))]);
        const deepest = Math.max(0, ...Object.values(oracle));
        assert.equal(measureOperation(document).depth, deepest, source);
      }
    });
  });

  describe('aliases', () => {
    it('counts every aliased field, nested ones included', () => {
      assert.equal(measure('{ a: me { n: name id } b: featuredProducts { id } }').aliases, 3);
    });

    it('counts an alias that repeats the field name', () => {
      assert.equal(measure('{ me: me { id } }').aliases, 1);
    });

    it('counts aliases in a fragment again each time it is spread', () => {
      const source = '{ me { ...Names ...Names } } fragment Names on User { first: name second: name }';
      assert.equal(measure(source).aliases, 4);
    });
  });

  describe('root fields', () => {
    it('counts the fields at the root of the operation', () => {
      assert.equal(measure('{ me { id } featuredProducts { id } }').rootFields, 2);
    });

    it('counts the same field under two aliases twice, and a repeated field once', () => {
      assert.equal(measure('{ a: me { id } b: me { id } me { id } me { name } }').rootFields, 3);
    });

    it('counts root fields selected through fragments, each fragment once', () => {
      const source = `
        query { ...Root ...Root ... on Query { product(id: "p-1") { id } } }
        fragment Root on Query { me { id } featuredProducts { id } }`;
      assert.equal(measure(source).rootFields, 3);
    });
  });

  describe('height (Apollo Router counting)', () => {
    it('counts every field selection, leaves included', () => {
      assert.equal(measure('{ me { id name } }').height, 3);
    });

    it('counts fields inside inline fragments', () => {
      assert.equal(measure('{ me { ... on User { id name } } }').height, 3);
    });

    it('counts the fields of a fragment each time it is selected', () => {
      assert.equal(measure('{ me { id ...N ...N } } fragment N on User { name }').height, 4);
      const twice = '{ a: me { ...U } b: me { ...U } } fragment U on User { id name cart { id } }';
      assert.equal(measure(twice).height, 10);
    });

    it('counts a repeated response name once in its selection set, but every sub-selection under it', () => {
      assert.equal(measure('{ me { id } me { name } }').height, 3);
    });

    it('measures FrontPage at 35 fields', () => {
      assert.equal(measure(FRONT_PAGE).height, 35);
    });
  });

  describe('directives', () => {
    it('counts @skip and @include on fields, inline fragments and fragment spreads', () => {
      const source = `
        query ($s: Boolean!) {
          me @skip(if: $s) { id @include(if: true) ... on User @include(if: $s) { name } ...Email @skip(if: false) }
        }
        fragment Email on User { email }`;
      assert.equal(measure(source).directives, 4);
    });

    it('counts directives on the operation, its variables and fragment definitions', () => {
      const source = 'query Q($id: ID! @a) @b { me { ...F } } fragment F on User @c { id }';
      assert.equal(measure(source).directives, 3);
    });

    it('counts directives in a fragment again each time it is spread', () => {
      assert.equal(measure('{ me { ...F ...F } } fragment F on User { id @include(if: true) }').directives, 2);
    });
  });

  describe('which operation is measured', () => {
    const two = 'query Small { me { id } } query Big { a: me { id } b: me { cart { items { quantity } } } }';

    it('measures the operation named', () => {
      assert.deepEqual(measure(two, 'Small'), { depth: 1, aliases: 0, rootFields: 1, height: 2, directives: 0 });
    });

    it('measures the only operation when none is named', () => {
      assert.deepEqual(measure('{ me { id } }'), { depth: 1, aliases: 0, rootFields: 1, height: 2, directives: 0 });
    });

    it('reports the largest value over all operations when the name does not resolve', () => {
      const expected = { depth: 3, aliases: 2, rootFields: 2, height: 6, directives: 0 };
      assert.deepEqual(measure(two, 'Nope'), expected);
      assert.deepEqual(measure(two), expected);
    });
  });
});

describe('lexical measures (before parsing)', () => {
  it('counts tokens as graphql-js does: punctuators, names, numbers and strings', () => {
    assert.equal(countTokens('{ me { id } }', 100), 6);
    assert.equal(countTokens('{ product(id: "a b c") { id } }', 100), 11);
    assert.equal(countTokens('{ products(first: 10) { nodes { id } } }', 100), 14);
  });

  it('does not count whitespace, commas or comments', () => {
    assert.equal(countTokens('# the front page\n{ me,,, { id , } }\n# end', 100), 6);
  });

  it('stops counting once the maximum is exceeded', () => {
    assert.equal(countTokens('{ a b c d e f g h }', 3), 4);
  });

  it('agrees with the parser: FrontPage parses with exactly its token count, and not with one less', () => {
    const tokens = countTokens(FRONT_PAGE, Number.POSITIVE_INFINITY);
    assert.equal(tokens, 63);
    assert.doesNotThrow(() => parse(FRONT_PAGE, { maxLexicalTokens: tokens }));
    assert.throws(() => parse(FRONT_PAGE, { maxLexicalTokens: tokens - 1 }), /tokens/);
  });

  it('measures document size in UTF-8 bytes, not string length', () => {
    assert.equal(documentBytes('{ me { name } }'), 15);
    const source = '{ search(text: "é€😀") { id } }';
    assert.equal(source.length, 31);
    assert.equal(documentBytes(source), 36); // é 2 bytes, € 3, 😀 4 (2 UTF-16 units)
  });

  it('parses within the token limit, and says why it did not', () => {
    const parsed = parseWithinLimits(FRONT_PAGE, 100);
    assert.ok(parsed.ok && parsed.document.definitions.length === 1);
    const tooMany = parseWithinLimits(FRONT_PAGE, 62);
    assert.ok(!tooMany.ok && tooMany.reason === 'tooManyTokens', JSON.stringify(tooMany));
    const syntax = parseWithinLimits('{ me { id }', 100);
    assert.ok(!syntax.ok && syntax.reason === 'syntax');
    const noLimit = parseWithinLimits(FRONT_PAGE, null);
    assert.ok(noLimit.ok);
  });
});

describe('limit decisions', () => {
  it('allows a value equal to the maximum', () => {
    const atMax = policy({ maxDepth: { max: 5, mode: 'enforce' }, maxHeight: { max: 5, mode: 'enforce' } });
    assert.deepEqual(checkOperation(METRICS, atMax), []);
  });

  it('reports each limit exceeded with its code, the numbers, and a message saying what was counted', () => {
    const tight = policy({
      maxDepth: { max: 4, mode: 'enforce' },
      maxAliases: { max: 4, mode: 'enforce' },
      maxRootFields: { max: 4, mode: 'enforce' },
      maxHeight: { max: 4, mode: 'enforce' },
      maxDirectives: { max: 4, mode: 'enforce' },
    });
    const violations = checkOperation(METRICS, tight);
    assert.deepEqual(
      violations.map((v) => [v.limit, v.code, v.measured, v.max]),
      [
        ['maxDepth', ErrorCode.MAX_DEPTH_LIMIT, 5, 4],
        ['maxAliases', ErrorCode.MAX_ALIASES_LIMIT, 5, 4],
        ['maxRootFields', ErrorCode.MAX_ROOT_FIELDS_LIMIT, 5, 4],
        ['maxHeight', ErrorCode.MAX_HEIGHT_LIMIT, 5, 4],
        ['maxDirectives', ErrorCode.MAX_DIRECTIVES_LIMIT, 5, 4],
      ],
    );
    assert.equal(violations[0]!.message, 'Operation depth (fields nested in fields) is 5; the maximum is 4 (maxDepth).');
    for (const v of violations) assert.match(v.message, /is 5; the maximum is 4/);
  });

  it('in measure mode reports the violation but does not refuse the request', () => {
    const violations = checkOperation(METRICS, policy({ maxAliases: { max: 1, mode: 'measure' } }));
    assert.equal(violations.length, 1);
    assert.equal(violations[0]!.mode, 'measure');
  });

  it('never reports a limit that is off (max null)', () => {
    const huge: OperationMetrics = { depth: 1e9, aliases: 1e9, rootFields: 1e9, height: 1e9, directives: 1e9 };
    assert.deepEqual(checkOperation(huge, policy({})), []);
    assert.deepEqual(checkPreParse('x'.repeat(1_000_000), policy({})), []);
  });

  it('checks bytes and tokens before parsing', () => {
    const violations = checkPreParse(
      '{ me { name } }',
      policy({ maxDocumentBytes: { max: 10, mode: 'enforce' }, maxTokens: { max: 4, mode: 'measure' } }),
    );
    assert.deepEqual(
      violations.map((v) => [v.limit, v.code, v.measured, v.max, v.mode]),
      [
        ['maxDocumentBytes', ErrorCode.MAX_DOCUMENT_SIZE_LIMIT, 15, 10, 'enforce'],
        ['maxTokens', ErrorCode.MAX_TOKENS_LIMIT, 5, 4, 'measure'],
      ],
    );
    assert.equal(violations[1]!.message, 'Number of lexical tokens in the document is more than 4; the maximum is 4 (maxTokens).');
  });
});

describe('default limits', () => {
  it('document every limit: what it counts, an example, its code and both defaults', () => {
    for (const name of LIMIT_NAMES) {
      const doc = LIMIT_DOCS[name];
      assert.ok(doc.counts.length > 20 && doc.example.length > 5, name);
      assert.equal(DEFAULT_LIMITS.web[name].max, doc.defaultWeb, name);
      assert.equal(DEFAULT_LIMITS.mobile[name].max, doc.defaultMobile, name);
    }
  });

  it('enforce every limit, mobile no looser than web', () => {
    for (const name of LIMIT_NAMES) {
      assert.equal(DEFAULT_LIMITS.web[name].mode, 'enforce');
      assert.equal(DEFAULT_LIMITS.mobile[name].mode, 'enforce');
      assert.ok(DEFAULT_LIMITS.mobile[name].max! <= DEFAULT_LIMITS.web[name].max!, name);
    }
  });

  it('are all described in docs/limits.md with their code and defaults', () => {
    const doc = readFileSync(new URL('docs/limits.md', root), 'utf8');
    for (const name of LIMIT_NAMES) {
      const section = doc.split(/^## /m).find((s) => s.startsWith(`\`${name}\``));
      assert.ok(section, `docs/limits.md has no "## \`${name}\`" section`);
      assert.ok(section.includes(LIMIT_DOCS[name].code), `${name}: code`);
      for (const value of [LIMIT_DOCS[name].defaultWeb, LIMIT_DOCS[name].defaultMobile]) {
        assert.ok(section.includes(String(value)) || section.includes(value!.toLocaleString('en-US')), `${name}: default ${value}`);
      }
    }
  });

  it('let FrontPage through both profiles with room to spare (at most two thirds of every maximum)', () => {
    const metrics = measure(FRONT_PAGE);
    assert.deepEqual(validate(schema, parse(FRONT_PAGE)), []);
    const measured: Record<LimitName, number> = {
      maxDepth: metrics.depth,
      maxAliases: metrics.aliases,
      maxRootFields: metrics.rootFields,
      maxHeight: metrics.height,
      maxDirectives: metrics.directives,
      maxTokens: countTokens(FRONT_PAGE, Number.POSITIVE_INFINITY),
      maxDocumentBytes: documentBytes(FRONT_PAGE),
    };
    for (const profile of ['web', 'mobile'] as const) {
      const limits = DEFAULT_LIMITS[profile];
      assert.deepEqual(checkPreParse(FRONT_PAGE, limits), [], profile);
      assert.deepEqual(checkOperation(metrics, limits), [], profile);
      for (const name of LIMIT_NAMES) assert.ok(measured[name] * 1.5 <= limits[name].max!, `${profile} ${name}: ${measured[name]}`);
    }
  });

  it('let every shipped persisted operation through its profile', () => {
    for (const profile of ['web', 'mobile'] as const) {
      const dir = new URL(`persisted-queries/${profile}/`, root);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
        const source = readFileSync(new URL(file, dir), 'utf8');
        const violations = [...checkPreParse(source, DEFAULT_LIMITS[profile]), ...checkOperation(measure(source), DEFAULT_LIMITS[profile])];
        assert.deepEqual(violations, [], `${profile}/${file}`);
      }
    }
  });

  it('let the GraphiQL introspection query through the web profile, where introspection is on', () => {
    const source = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true });
    assert.deepEqual([...checkPreParse(source, DEFAULT_LIMITS.web), ...checkOperation(measure(source), DEFAULT_LIMITS.web)], []);
  });
});

describe('limits config', () => {
  it('accepts partial overrides and fills the rest from the profile defaults', () => {
    const overrides = limitPolicySchema.parse({ maxDepth: { max: 8 }, maxHeight: { mode: 'measure' }, maxDirectives: { max: null } });
    const resolved = applyLimitOverrides(DEFAULT_LIMITS.web, overrides);
    assert.deepEqual(resolved.maxDepth, { max: 8, mode: 'enforce' });
    assert.deepEqual(resolved.maxHeight, { max: DEFAULT_LIMITS.web.maxHeight.max, mode: 'measure' });
    assert.deepEqual(resolved.maxDirectives, { max: null, mode: 'enforce' });
    assert.deepEqual(resolved.maxAliases, DEFAULT_LIMITS.web.maxAliases);
    assert.deepEqual(applyLimitOverrides(DEFAULT_LIMITS.mobile, undefined), DEFAULT_LIMITS.mobile);
  });

  it('refuses an unknown limit or setting name, so a typo cannot leave a limit at its default', () => {
    assert.equal(limitPolicySchema.safeParse({ maxDeph: { max: 3 } }).success, false);
    assert.equal(limitPolicySchema.safeParse({ maxDepth: { maximum: 3 } }).success, false);
  });

  it('refuses a maximum that is negative, fractional or not a number, and a mode that does not exist', () => {
    for (const bad of [{ max: -1 }, { max: 1.5 }, { max: '10' }, { mode: 'warn' }]) {
      assert.equal(limitPolicySchema.safeParse({ maxAliases: bad }).success, false, JSON.stringify(bad));
    }
  });
});
