import { spawnSync } from 'node:child_process';

/**
 * Makes sure a program from Debian's packages is installed: as root, installs
 * it with apt-get (running `apt-get update` once if apt does not know the
 * package yet); otherwise throws one line saying what to run. Never a skip:
 * a test that silently skips proves nothing.
 */
export function ensureDebianProgram(program: string, versionArgs: readonly string[], pkg: string): void {
  const installed = () => !spawnSync(program, [...versionArgs], { stdio: 'ignore' }).error;
  if (installed()) return;
  if (process.getuid?.() !== 0) throw new Error(`${program} is not installed and this is not root: run apt-get install -y ${pkg}`);
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', timeout: 180_000 });
    result = install();
  }
  if (result.status !== 0 || !installed()) throw new Error(`${program} is not installed and apt-get install -y ${pkg} failed: ${(result.stderr || result.error?.message || '').trim().split('\n').at(-1)}`);
}
