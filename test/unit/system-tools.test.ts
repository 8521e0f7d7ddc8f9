import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { isInstalled, provision, toolsNeededBy, SYSTEM_TOOLS } from '../../scripts/lib/system-tools.ts';

const MISSING = { command: 'storefront-no-such-command', debianPackage: 'storefront-no-such-package', manualInstall: 'ask your administrator', supportModule: 'support/nothing.ts' };

describe('system programs the tests need', () => {
  it('are needed by the test files that import their support module, and only by those', () => {
    const needed = toolsNeededBy(
      new Map([
        ['test/e2e/a.test.ts', "import { startRedis } from '../support/redis.ts';"],
        ['test/unit/b.test.ts', "import { waitFor } from '../support/wait.ts';"],
      ]),
    );
    const redis = SYSTEM_TOOLS.find((t) => t.command === 'redis-server')!;
    assert.deepEqual([...needed], [[redis, ['test/e2e/a.test.ts']]]);
  });

  it('are used as they are when installed, with no install attempted', () => {
    assert.ok(isInstalled('sh'));
    assert.deepEqual(provision({ ...MISSING, command: 'sh' }, () => assert.fail('nothing to say')), { ok: true, installed: false });
  });

  it('fail at once, with one line saying what to install, where the machine does not allow installing', { skip: process.getuid?.() !== 0 ? 'needs root to drop to an unprivileged user' : false }, () => {
    // As an unprivileged user without sudo, as on many developers' machines. That user may not
    // be able to reach this checkout (a clone in a private temp folder): it gets its own copy
    // of the module, and of this Node (a hard link where the file system allows).
    const dir = mkdtempSync(join(tmpdir(), 'system-tools-'));
    chmodSync(dir, 0o755);
    const copy = join(dir, 'system-tools.ts');
    copyFileSync(new URL('../../scripts/lib/system-tools.ts', import.meta.url), copy);
    chmodSync(copy, 0o644);
    const node = join(dir, 'node');
    try {
      linkSync(process.execPath, node);
    } catch {
      copyFileSync(process.execPath, node);
      chmodSync(node, 0o755);
    }
    const script = `import { provision } from ${JSON.stringify(pathToFileURL(copy).href)};
      process.stdout.write(JSON.stringify(provision(${JSON.stringify(MISSING)})));`;
    const started = Date.now();
    const child = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', node, '--input-type=module', '-e', script], { encoding: 'utf8', cwd: '/', env: { PATH: process.env['PATH'] } });
    assert.equal(child.status, 0, child.stderr);
    const outcome = JSON.parse(child.stdout) as { ok: boolean; reason?: string };
    assert.equal(outcome.ok, false);
    assert.match(outcome.reason!, /^storefront-no-such-command is not installed, and this machine does not let the tests install it \(needs root or passwordless sudo, and apt-get\); install it: ask your administrator$/);
    assert.ok(Date.now() - started < 10_000, 'within seconds');
    rmSync(dir, { recursive: true });
  });
});
