import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ERROR_CATALOGUE, ErrorCode, isUpstreamFailure, kindOf, statusOf } from '../../common/errors.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CATALOGUE_DOC = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The names a file refers to as `ErrorCode.X`, read from the syntax tree: a name in a
 * comment or a string is not a reference.
 */
function errorCodeReferences(file: string, text: string): string[] {
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'ErrorCode') names.push(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return names;
}

/** Codes production code refers to; a code used only in tests is not used, and common/errors.ts defines them. */
const USED = new Set(
  ['gateway', 'subgraphs', 'common']
    .flatMap((dir) => sources(join(ROOT, dir)))
    .filter((path) => !path.endsWith('common/errors.ts'))
    .flatMap((path) => errorCodeReferences(path, readFileSync(path, 'utf8'))),
);

/** The rows of the table in docs/errors.md, by code: the HTTP and kind columns. */
const DOCUMENTED = new Map(
  [...CATALOGUE_DOC.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \| ([^|]*) \|/gm)].map((m) => [m[1]!, { http: m[2]!.trim(), kind: m[3]!.trim() }]),
);

describe('error catalogue', () => {
  for (const code of Object.values(ErrorCode)) {
    it(`${code} is documented in docs/errors.md`, () => {
      assert.match(CATALOGUE_DOC, new RegExp(`\\| \`${code}\` \\|`));
    });
    it(`${code} is used by the code`, () => {
      // Apollo Server raises its own built-in codes; ours must appear as ErrorCode.X.
      const builtIn = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE'];
      assert.ok(USED.has(code) || builtIn.includes(code), `ErrorCode.${code} is never used`);
    });
    it(`${code} has the HTTP statuses and kind docs/errors.md gives it`, () => {
      const entry: { status: number; kind: string; otherStatuses?: readonly number[] } = ERROR_CATALOGUE[code];
      const row = DOCUMENTED.get(code);
      assert.ok(row, `${code} has a row`);
      const documentedStatuses = [...row.http.matchAll(/\b\d{3}\b/g)].map((m) => Number(m[0]));
      assert.deepEqual(documentedStatuses, [entry.status, ...(entry.otherStatuses ?? [])]);
      assert.equal(row.kind, entry.kind);
    });
  }

  it('documents no code that the catalogue does not define', () => {
    const documented = [...CATALOGUE_DOC.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    const defined = new Set<string>(Object.values(ErrorCode));
    assert.deepEqual(documented.filter((c) => !defined.has(c!)), []);
  });

  it('counts a code as used only where the code refers to it, not in comments, strings or longer names', () => {
    const found = errorCodeReferences(
      'probe.ts',
      "// ErrorCode.FORBIDDEN\nconst a = 'ErrorCode.THROTTLED';\nconst b = ErrorCode.UPSTREAM_TIMEOUT_X;\nconst c = ErrorCode.NOT_FOUND;",
    );
    // UPSTREAM_TIMEOUT_X is a (misspelt) name of its own, not a use of UPSTREAM_TIMEOUT.
    assert.deepEqual(found, ['UPSTREAM_TIMEOUT_X', 'NOT_FOUND']);
  });
});

describe('catalogue questions', () => {
  it('takes a status the catalogue lists for the code, and falls back to the code’s own for any other', () => {
    assert.equal(statusOf(ErrorCode.BAD_REQUEST), 400);
    assert.equal(statusOf(ErrorCode.BAD_REQUEST, 405), 405);
    assert.equal(statusOf(ErrorCode.BAD_REQUEST, 418), 400);
    assert.equal(statusOf(ErrorCode.THROTTLED, 400), 429);
  });

  it('calls subgraph and REST failures upstream failures, and nothing the client or the gateway caused', () => {
    const upstream = Object.values(ErrorCode).filter(isUpstreamFailure).sort();
    assert.deepEqual(upstream, [
      'GATEWAY_TIMEOUT',
      'SUBGRAPH_CIRCUIT_OPEN',
      'SUBGRAPH_TIMEOUT',
      'SUBGRAPH_UNAVAILABLE',
      'UPSTREAM_BAD_REQUEST',
      'UPSTREAM_CIRCUIT_OPEN',
      'UPSTREAM_SERVICE_ERROR',
      'UPSTREAM_TIMEOUT',
      'UPSTREAM_UNAVAILABLE',
    ]);
    assert.equal(isUpstreamFailure('UPSTREAM_SOMETHING_NEW'), false, 'a prefix is not a catalogue entry');
    assert.equal(kindOf(undefined), undefined);
    assert.equal(kindOf('toString'), undefined, 'inherited properties are not codes');
  });
});
