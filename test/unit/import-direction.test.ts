import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(new URL('../../', import.meta.url).pathname);

/**
 * Which top-level folders each side may not import: the gateway and the
 * subgraphs meet only in common/ (the wire contract, the breaker), and
 * common/ depends on neither.
 */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  gateway: ['subgraphs'],
  subgraphs: ['gateway'],
  common: ['gateway', 'subgraphs'],
};

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level folder of the repository a path lies in ('' outside it). */
function topFolder(path: string): string {
  const rel = relative(ROOT, path);
  return rel.startsWith('..') ? '' : (rel.split(/[\\/]/)[0] ?? '');
}

/**
 * Imports of `text` (a file at `file`) that cross a forbidden boundary. The
 * TypeScript scanner finds every form: `import`, `import type`, `export … from`,
 * dynamic `import()` and side-effect imports, and skips comments and strings.
 */
function forbiddenImports(file: string, text: string): Violation[] {
  const banned = FORBIDDEN[topFolder(file)] ?? [];
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const violations: Violation[] = [];
  for (const imported of importedFiles) {
    if (!imported.fileName.startsWith('.')) continue;
    const target = topFolder(resolve(dirname(file), imported.fileName));
    if (!banned.includes(target)) continue;
    const line = ts.getLineAndCharacterOfPosition(ts.createSourceFile(file, text, ts.ScriptTarget.Latest), imported.pos).line + 1;
    violations.push({ file: relative(ROOT, file), line, specifier: imported.fileName });
  }
  return violations;
}

describe('import direction: gateway → common ← subgraphs', () => {
  it('finds no import from subgraphs/ in gateway/, from gateway/ in subgraphs/, or from either in common/', () => {
    const violations = Object.keys(FORBIDDEN)
      .flatMap((folder) => sources(join(ROOT, folder)))
      .flatMap((file) => forbiddenImports(file, readFileSync(file, 'utf8')));
    assert.deepEqual(violations.map((v) => `${v.file}:${v.line} imports ${v.specifier}`), []);
  });

  it('walks a real number of files (an empty walk would pass)', () => {
    for (const folder of Object.keys(FORBIDDEN)) assert.ok(sources(join(ROOT, folder)).length >= 5, `${folder}/ has .ts files`);
  });

  it('reports every form of a crossing import with its file and line', () => {
    const file = join(ROOT, 'gateway/admission/example.ts');
    const text = [
      "import { ErrorCode } from '../../common/errors.ts';",
      "import type { SubgraphContext } from '../../subgraphs/shared/context.ts';",
      "export { RestClient } from '../../subgraphs/shared/rest-client.ts';",
      '// a comment naming ../../subgraphs/x.ts is not an import',
      "const late = await import('../../subgraphs/main.ts');",
      "import '../subgraphs/health.ts';",
    ].join('\n');
    assert.deepEqual(forbiddenImports(file, text), [
      { file: 'gateway/admission/example.ts', line: 2, specifier: '../../subgraphs/shared/context.ts' },
      { file: 'gateway/admission/example.ts', line: 3, specifier: '../../subgraphs/shared/rest-client.ts' },
      { file: 'gateway/admission/example.ts', line: 5, specifier: '../../subgraphs/main.ts' },
    ]);
  });

  it('reports a subgraph importing the gateway, and common importing either', () => {
    const fromSubgraph = forbiddenImports(join(ROOT, 'subgraphs/shared/context.ts'), "import type { GatewayContext } from '../../gateway/context.ts';");
    assert.deepEqual(fromSubgraph.map((v) => v.specifier), ['../../gateway/context.ts']);
    const fromCommon = forbiddenImports(join(ROOT, 'common/upstream/wire.ts'), "import type { X } from '../../gateway/x.ts';\nimport type { Y } from '../../subgraphs/y.ts';");
    assert.deepEqual(fromCommon.map((v) => v.line), [1, 2]);
  });
});
