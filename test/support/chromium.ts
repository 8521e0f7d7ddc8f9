import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Request } from 'playwright-core';
import { provision, SYSTEM_TOOLS } from '../../scripts/lib/system-tools.ts';

/** Debian's chromium (`apt-get install -y chromium`); `npx playwright install` cannot download here. */
export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags chromium keeps calling Google hosts
// this machine cannot reach (docs: /work/shared/STACK-NOTES.md).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface OfflineBrowser {
  readonly context: BrowserContext;
  /** Every request the page tried to send anywhere but 127.0.0.1 (each was aborted). */
  readonly external: readonly string[];
  close(): Promise<void>;
}

/**
 * npm test provisions chromium before any test starts (scripts/lib/system-tools.ts); a file
 * run alone gets it the same way, or fails at once in one line naming how to install it.
 */
export function assertChromium(): void {
  const outcome = provision(SYSTEM_TOOLS.find((t) => t.command === 'chromium')!);
  if (!outcome.ok) throw new Error(outcome.reason);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found; install Debian's chromium with: apt-get install -y chromium`);
}

/**
 * Headless chromium with the network cut off: every request not to 127.0.0.1
 * is aborted and recorded, so a test can assert that none was attempted. A
 * missing chromium fails at once with the command that installs it (CI runs
 * it): a browser test that silently skips proves nothing.
 */
export async function launchOfflineBrowser(): Promise<OfflineBrowser> {
  assertChromium();
  const userDataDir = await mkdtemp(join(tmpdir(), 'storefront-chromium-'));
  const external: string[] = [];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 800 },
      timeout: 15_000,
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const offline = (request: Request) => {
    const url = new URL(request.url());
    return url.protocol !== 'data:' && url.protocol !== 'blob:' && url.hostname !== '127.0.0.1';
  };
  // Routing sees fetches, scripts, styles, fonts, images; the request event
  // also sees what routing does not intercept (navigations of popups, workers).
  context.on('request', (request) => {
    if (offline(request) && !external.includes(request.url())) external.push(request.url());
  });
  await context.route('**/*', (route) => (offline(route.request()) ? route.abort('internetdisconnected') : route.continue()));
  return {
    context,
    external,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
