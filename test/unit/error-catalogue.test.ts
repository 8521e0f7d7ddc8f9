import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../common/errors.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const CATALOGUE_DOC = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Production code only: a code used only in tests is not used. */
const CODE = ['gateway', 'subgraphs', 'common']
  .flatMap((dir) => sources(join(ROOT, dir)))
  .filter((path) => !path.endsWith('common/errors.ts'))
  .map((path) => readFileSync(path, 'utf8'))
  .join('\n');

describe('error catalogue', () => {
  for (const code of Object.values(ErrorCode)) {
    it(`${code} is documented in docs/errors.md`, () => {
      assert.match(CATALOGUE_DOC, new RegExp(`\\| \`${code}\` \\|`));
    });
    it(`${code} is used by the code`, () => {
      // Apollo Server raises its own built-in codes; ours must appear as ErrorCode.X.
      const builtIn = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE'];
      assert.ok(CODE.includes(`ErrorCode.${code}`) || builtIn.includes(code), `ErrorCode.${code} is never used`);
    });
  }

  it('documents no code that the catalogue does not define', () => {
    const documented = [...CATALOGUE_DOC.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    const defined = new Set<string>(Object.values(ErrorCode));
    assert.deepEqual(documented.filter((c) => !defined.has(c!)), []);
  });
});
