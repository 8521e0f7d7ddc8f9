import { spawnSync } from 'node:child_process';

/**
 * Programs from the operating system that some tests need as real parts (a real
 * redis-server, not a mock). `npm test` provisions them where the machine allows it
 * (root or passwordless sudo, and apt-get), so a newcomer needs nothing but Node and
 * npm; elsewhere it stops at once with one line saying what is missing and how to get
 * it. Never a silent skip: a test that skips proves nothing.
 */
export interface SystemTool {
  /** The command the tests run. */
  readonly command: string;
  /** Debian/Ubuntu package that ships it. */
  readonly debianPackage: string;
  /** How to install it by hand, for the message when the tests cannot. */
  readonly manualInstall: string;
  /** A test file needs the tool when it imports this support module. */
  readonly supportModule: string;
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  {
    command: 'redis-server',
    debianPackage: 'redis-server',
    manualInstall: 'sudo apt-get install redis-server (Debian/Ubuntu) or brew install redis (macOS)',
    supportModule: 'support/redis.ts',
  },
  {
    // Debian's build: `npx playwright install` downloads a browser, which cannot work offline.
    command: 'chromium',
    debianPackage: 'chromium',
    manualInstall: 'sudo apt-get install chromium (Debian/Ubuntu)',
    supportModule: 'support/chromium.ts',
  },
  {
    command: 'haproxy',
    debianPackage: 'haproxy',
    manualInstall: 'sudo apt-get install haproxy (Debian/Ubuntu) or brew install haproxy (macOS)',
    supportModule: 'support/haproxy.ts',
  },
];

export type Provisioned = { readonly ok: true; readonly installed: boolean } | { readonly ok: false; readonly reason: string };

const APT_TIMEOUT_MS = 240_000;

export function isInstalled(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** How this process may run apt-get: directly (root), through `sudo -n`, or not at all. */
function aptRunner(): string[] | undefined {
  if (!isInstalled('apt-get')) return undefined;
  if (process.getuid?.() === 0) return [];
  if (isInstalled('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return undefined;
}

function apt(prefix: string[], args: string[]): { ok: boolean; output: string } {
  // Another apt-get (an unattended upgrade, a second test run) may hold dpkg's lock: wait for it.
  const [command, ...rest] = [...prefix, 'apt-get', '-o', 'DPkg::Lock::Timeout=120', ...args];
  const result = spawnSync(command!, rest, {
    encoding: 'utf8',
    timeout: APT_TIMEOUT_MS,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}` };
}

/**
 * Makes `tool` available, installing its Debian package when missing and allowed.
 * Synchronous on purpose: it runs once before any test starts, and a test file that
 * calls it directly (run alone with `node --test`) must not race its own set-up.
 */
export function provision(tool: SystemTool, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Provisioned {
  if (isInstalled(tool.command)) return { ok: true, installed: false };
  const prefix = aptRunner();
  if (prefix === undefined) {
    return { ok: false, reason: `${tool.command} is not installed, and this machine does not let the tests install it (needs root or passwordless sudo, and apt-get); install it: ${tool.manualInstall}` };
  }
  log(`${tool.command} is not installed: installing the Debian package ${tool.debianPackage} with apt-get (once; the tests that need it run a real one)`);
  let attempt = apt(prefix, ['install', '-y', '-qq', '--no-install-recommends', tool.debianPackage]);
  // A fresh machine has no package lists yet: fetch them once and try again.
  if (!attempt.ok) {
    const update = apt(prefix, ['update', '-qq']);
    attempt = update.ok ? apt(prefix, ['install', '-y', '-qq', '--no-install-recommends', tool.debianPackage]) : update;
  }
  if (!attempt.ok || !isInstalled(tool.command)) {
    const last = attempt.output.trim().split('\n').slice(-1)[0] ?? '';
    return { ok: false, reason: `${tool.command} is not installed and apt-get could not install ${tool.debianPackage} (${last}); install it: ${tool.manualInstall}` };
  }
  return { ok: true, installed: true };
}

/** The tools these test files need, each with the files that need it. */
export function toolsNeededBy(files: ReadonlyMap<string, string>): Map<SystemTool, string[]> {
  const needed = new Map<SystemTool, string[]>();
  for (const tool of SYSTEM_TOOLS) {
    const users = [...files].filter(([, source]) => source.includes(tool.supportModule)).map(([path]) => path);
    if (users.length > 0) needed.set(tool, users);
  }
  return needed;
}
