import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../support/schema-check.ts';

/** `npm run pq:release` in a copy of persisted-queries/, as a real process. */
function pqRelease(args: readonly string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'scripts/pq-release.ts'), ...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pq-release-'));
  cpSync(join(REPO, 'persisted-queries/manifests'), join(dir, 'persisted-queries/manifests'), { recursive: true });
  return dir;
}

describe('npm run pq:release', () => {
  it('records the client\'s current manifest as a shipped release, and never overwrites one', async () => {
    const dir = workspace();
    const first = await pqRelease(['--client', 'mobile', '--version', '5.0.0'], dir);
    assert.equal(first.code, 0, first.stderr);
    const release = join(dir, 'persisted-queries/releases/mobile/5.0.0.json');
    assert.equal(readFileSync(release, 'utf8'), readFileSync(join(dir, 'persisted-queries/manifests/mobile.json'), 'utf8'));
    const again = await pqRelease(['--client', 'mobile', '--version', '5.0.0'], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /5\.0\.0\.json already exists: a shipped release never changes/);
  });

  it('refuses an unknown client and a version that is not a plain version string (no paths), exit 2', async () => {
    const dir = workspace();
    const r = await pqRelease(['--client', 'tv', '--version', '../../etc/passwd'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--client: expected web or mobile, received "tv"/);
    assert.match(r.stderr, /--version: expected a version such as 4\.12\.0, received "\.\.\/\.\.\/etc\/passwd"/);
    assert.equal(existsSync(join(dir, 'persisted-queries/releases')), false);
  });
});
