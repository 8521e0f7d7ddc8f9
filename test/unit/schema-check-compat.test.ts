import assert from 'node:assert/strict';
import { buildSchema, type GraphQLInputType } from 'graphql';
import { describe, it } from 'node:test';
import { formatGithub } from '../../schema/check/format-github.ts';
import { checkOperation } from '../../schema/check/operations.ts';
import { compareInputType, compareOutputType } from '../../schema/check/type-compat.ts';
import type { CheckReport } from '../../schema/check/types.ts';

const schemaOf = (types: string) => buildSchema(`type Query { q(input: In, list: [Int!]): T } ${types}`);
const fieldType = (sdl: string) => schemaOf(sdl).getQueryType()!.getFields()['q']!.type;
const problems = (before: string, after: string) => {
  const a = buildSchema(`type Query { f: ${before} } enum E { A B } enum F { A B C }`);
  const b = buildSchema(`type Query { f: ${after} } enum E { A B C } enum F { A B C }`);
  return compareOutputType(a.getQueryType()!.getFields()['f']!.type, b.getQueryType()!.getFields()['f']!.type).map((p) => `${p.severity} ${p.type}`);
};

describe('what a client reading a field sees (compareOutputType)', () => {
  it('non-null → nullable breaks, nullable → non-null does not', () => {
    assert.deepEqual(problems('Int!', 'Int'), ['BREAKING NULLABILITY_CHANGED']);
    assert.deepEqual(problems('Int', 'Int!'), []);
  });
  it('nullability inside lists counts too', () => {
    assert.deepEqual(problems('[Int!]!', '[Int]!'), ['BREAKING NULLABILITY_CHANGED']);
    assert.deepEqual(problems('[Int]', '[Int!]!'), []);
  });
  it('a different scalar breaks even though it still validates; list ↔ single breaks', () => {
    assert.deepEqual(problems('Int!', 'String!'), ['BREAKING TYPE_CHANGED']);
    assert.deepEqual(problems('Int', '[Int]'), ['BREAKING LIST_CHANGED']);
  });
  it('an enum that gained a value is dangerous; the same enum values are fine', () => {
    assert.deepEqual(problems('E', 'E'), ['DANGEROUS ENUM_VALUE_ADDED']);
    assert.deepEqual(problems('F', 'F'), []);
  });
});

describe('what a client sending a variable sees (compareInputType)', () => {
  const input = (sdl: string): GraphQLInputType => schemaOf(`type T { x: Int } ${sdl}`).getQueryType()!.getFields()['q']!.args[0]!.type;
  const compare = (before: string, after: string) => compareInputType(input(before), input(after)).map((p) => `${p.severity} ${p.type} ${p.path} ${p.message}`);

  it('a required input field added breaks every request sent without it; an optional one does not', () => {
    assert.deepEqual(compare('input In { a: Int }', 'input In { a: Int, b: Int! }'), ['BREAKING INPUT_CHANGED In.b required input field In.b was added: variables sent without it are refused']);
    assert.deepEqual(compare('input In { a: Int }', 'input In { a: Int, b: Int, c: Int! = 1 }'), []);
  });
  it('an input field removed or made non-null breaks; nested input objects are followed, cycles are not looped', () => {
    assert.deepEqual(compare('input In { a: Int, b: Int }', 'input In { a: Int }').map((l) => l.split(' ').slice(0, 3).join(' ')), ['BREAKING INPUT_CHANGED In.b']);
    assert.deepEqual(compare('input In { a: Int, n: In }', 'input In { a: Int!, n: In }').map((l) => l.split(' ').slice(0, 3).join(' ')), ['BREAKING INPUT_CHANGED In.a']);
  });
  it('an input enum that lost a value breaks a client that may send it', () => {
    assert.deepEqual(compare('input In { e: E } enum E { A B }', 'input In { e: E } enum E { A }').map((l) => l.split(' ').slice(0, 3).join(' ')), ['BREAKING INPUT_CHANGED E.B']);
  });
});

describe('checkOperation', () => {
  const op = (body: string) => ({ client: 'web', release: null, operation: 'Op', id: 'x', body });

  it('reports a variable whose input type gained a required field, though the operation still validates', () => {
    const base = schemaOf('type T { x: Int } input In { a: Int }');
    const next = schemaOf('type T { x: Int } input In { a: Int, b: Int! }');
    const findings = checkOperation(base, next, op('query Op($i: In) { q(input: $i) { x } }'));
    assert.deepEqual(findings.map((f) => [f.type, f.fieldPath, f.path]), [['INPUT_CHANGED', '$i', 'In.b']]);
  });

  it('reports a changed default of an argument the operation does not send', () => {
    const base = buildSchema('type Query { items(first: Int = 10): [Int] }');
    const next = buildSchema('type Query { items(first: Int = 50): [Int] }');
    assert.deepEqual(checkOperation(base, next, op('query Op { items }')).map((f) => `${f.severity} ${f.type} ${f.path}`), ['DANGEROUS ARGUMENT_DEFAULT_CHANGED Query.items.first']);
    assert.deepEqual(checkOperation(base, next, op('query Op { items(first: 3) }')), []);
  });

  it('follows fields through fragments and names them by fragment', () => {
    const base = buildSchema('type Query { t: T } type T { x: Int! }');
    const next = buildSchema('type Query { t: T } type T { x: Int }');
    const findings = checkOperation(base, next, op('query Op { t { ...F } } fragment F on T { x }'));
    assert.deepEqual(findings.map((f) => [f.type, f.fieldPath]), [['NULLABILITY_CHANGED', '...F.x']]);
  });

  it('reports an operation that does not parse instead of crashing', () => {
    const schema = buildSchema('type Query { a: Int }');
    assert.deepEqual(checkOperation(schema, schema, op('query Op {')).map((f) => f.type), ['INVALID']);
  });
});

describe('GitHub annotations', () => {
  it('escape newlines, percent signs, colons and commas as @actions/core does', () => {
    const report: CheckReport = {
      verdict: 'fail',
      base: 'b',
      composition: { ok: false, errors: [{ code: 'X', message: '100% broken\nsecond line', locations: [{ file: 'a,b:c.graphql', line: 3 }] }] },
      findings: [],
      approved: [],
      unusedApprovals: [],
      checked: { operations: 0, clients: [], releases: [] },
      summary: { BREAKING: 0, DANGEROUS: 0, SAFE: 0, approved: 0 },
    };
    assert.equal(formatGithub(report).split('\n')[0], '::error file=a%2Cb%3Ac.graphql,line=3,title=Composition error X::100%25 broken%0Asecond line');
  });
});
